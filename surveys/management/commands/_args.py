"""Shared argument handling of the surveys commands: the evaluator group, output files."""
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


def check_output_file(path, *, may_exist: bool = False) -> None:
    """Refuse, before any work is done, an output file that cannot or must not be written."""
    if not may_exist and path.exists():
        raise CommandError(_("%(path)s already exists; codes are never overwritten.") % {"path": path})
    if not path.parent.is_dir():
        raise CommandError(_("The folder of %(path)s does not exist.") % {"path": path})
