"""Write out the answers of ballots cast online: `manage.py settle_ballots [--campaign SLUG] [--every SECONDS]`.

Casting stores a ballot with its answers packed; this turns them into Answer and per-unit score
rows. Scoring and exports settle on their own, so running this is optional: beside the app
servers (`--every 30`), it keeps that work small and out of the moments when ballots pour in.
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.ballots import ballots_settle
from surveys.models import Campaign


class Command(BaseCommand):
    help = "Write out the answers of ballots cast online (scoring and exports do it too); --every to keep at it."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="only this campaign (slug)")
        parser.add_argument("--every", type=float, metavar="SECONDS",
                            help="keep running, settling again after this many seconds (stop with Ctrl-C)")

    def handle(self, *args, campaign=None, every=None, **options):
        campaign_id = None
        if campaign is not None:
            campaign_id = Campaign.objects.filter(slug=campaign).values_list("id", flat=True).first()
            if campaign_id is None:
                raise CommandError(_("No campaign with the slug “%(slug)s”.") % {"slug": campaign})
        if every is not None and every <= 0:
            raise CommandError(_("--every takes a number of seconds above 0."))
        while True:
            started = time.monotonic()
            settled = ballots_settle(campaign_id=campaign_id)
            if settled or every is None:
                self.stdout.write(_("%(n)d ballots settled in %(s).1f s.")
                                  % {"n": settled, "s": time.monotonic() - started})
            if every is None:
                return
            time.sleep(every)
