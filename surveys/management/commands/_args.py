"""Shared argument handling of the management commands (surveys, scoring, publicity): the campaign
and the evaluator group by name, output files. A campaign that does not exist gets one error,
in the user's language, whichever command was asked."""
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from surveys.models import Campaign, EvaluatorGroup


def add_campaign_argument(parser, *, required: bool = True, option: bool = False) -> None:
    """The campaign's slug: positional (optional with `required=False`), or `--campaign` (`option`)."""
    if option:
        parser.add_argument("--campaign", help="only this campaign (slug)")
    else:
        parser.add_argument("campaign", nargs=None if required else "?", help="campaign slug")


def campaign_from_argument(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise CommandError(_("No campaign with the slug “%(slug)s”.") % {"slug": slug})
    return campaign


def add_group_arguments(parser) -> None:
    add_campaign_argument(parser)
    parser.add_argument("--group", required=True, help="evaluator group key")


def get_group(campaign: str, group: str) -> EvaluatorGroup:
    target = campaign_from_argument(campaign)
    found = EvaluatorGroup.objects.select_related("campaign").filter(campaign=target, key=group).first()
    if found is None:
        raise CommandError(_("No group “%(group)s” in campaign “%(campaign)s”.") % {"group": group, "campaign": campaign})
    return found


def check_output_file(path, *, may_exist: bool = False) -> None:
    """Refuse, before any work is done, an output file that cannot or must not be written."""
    if not may_exist and path.exists():
        raise CommandError(_("%(path)s already exists; codes are never overwritten.") % {"path": path})
    if not path.parent.is_dir():
        raise CommandError(_("The folder of %(path)s does not exist.") % {"path": path})
