"""Move a campaign through its life: `manage.py campaign_status demo-2026 closed`."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.commands._args import add_campaign_argument, campaign_from_argument
from surveys.models import Campaign
from surveys.services import TransitionRefused, campaign_set_status


class Command(BaseCommand):
    help = "Move a campaign to another status through the same checks as the admin (exit 1 when refused)."

    def add_arguments(self, parser):
        add_campaign_argument(parser)
        parser.add_argument("status", choices=Campaign.Status.values)

    def handle(self, *args, campaign, status, **options):
        target = campaign_from_argument(campaign)
        previous = target.status
        try:
            campaign_set_status(campaign=target, status=status, actor="manage.py campaign_status")
        except TransitionRefused as refused:
            raise CommandError("\n".join(refused.reasons)) from None
        self.stdout.write(
            self.style.SUCCESS(_("%(slug)s: %(from)s → %(to)s") % {"slug": campaign, "from": previous, "to": status})
        )
