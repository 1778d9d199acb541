"""Shared argument parsing for the publicity commands."""
import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from surveys.models import Campaign


def campaign_by_slug(slug: str) -> Campaign:
    try:
        return Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise CommandError(_("No campaign with the slug “%(slug)s”.") % {"slug": slug}) from None


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None
