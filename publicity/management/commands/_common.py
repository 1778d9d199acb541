"""Shared argument parsing for the publicity commands (the campaign: `surveys.management.commands._args`)."""
import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None
