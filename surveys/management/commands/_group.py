"""Shared argument handling for commands that work on one evaluator group of a campaign."""
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from surveys.models import EvaluatorGroup


def add_group_arguments(parser) -> None:
    parser.add_argument("campaign", help="campaign slug")
    parser.add_argument("--group", required=True, help="evaluator group key")


def get_group(campaign: str, group: str) -> EvaluatorGroup:
    found = EvaluatorGroup.objects.select_related("campaign").filter(campaign__slug=campaign, key=group).first()
    if found is None:
        raise CommandError(_("No group “%(group)s” in campaign “%(campaign)s”.") % {"group": group, "campaign": campaign})
    return found
