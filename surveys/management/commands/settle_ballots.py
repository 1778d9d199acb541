"""Write out ballots cast online: `manage.py settle_ballots [--campaign SLUG] [--every SECONDS] [--min-batch N]`.

Casting stores a ballot as one pending row; this turns pending rows into ballots with their
answer and per-unit score rows. Scoring and exports settle on their own, so running this is
optional: beside the app servers (`--every 30`), it keeps that work small. With --every it writes
no batch of fewer than --min-batch ballots: ballots written together cannot be told apart by the
transaction that wrote them, which a batch of one would give away.
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.ballots import ballots_settle
from surveys.models import Campaign


class Command(BaseCommand):
    help = "Write out ballots cast online (scoring and exports do it too); --every to keep at it."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="only this campaign (slug)")
        parser.add_argument("--every", type=float, metavar="SECONDS",
                            help="keep running, settling again after this many seconds (stop with Ctrl-C)")
        parser.add_argument("--min-batch", type=int, default=20, metavar="N",
                            help="with --every: write no batch of fewer than N ballots, leave them pending (default 20)")

    def handle(self, *args, campaign=None, every=None, min_batch=20, **options):
        campaign_id = None
        if campaign is not None:
            campaign_id = Campaign.objects.filter(slug=campaign).values_list("id", flat=True).first()
            if campaign_id is None:
                raise CommandError(_("No campaign with the slug “%(slug)s”.") % {"slug": campaign})
        if every is not None and every <= 0:
            raise CommandError(_("--every takes a number of seconds above 0."))
        if min_batch < 1:
            raise CommandError(_("--min-batch takes a number of ballots of at least 1."))
        while True:
            started = time.monotonic()
            settled = ballots_settle(campaign_id=campaign_id, min_batch=min_batch if every is not None else 1)
            if settled or every is None:
                self.stdout.write(_("%(n)d ballots settled in %(s).1f s.")
                                  % {"n": settled, "s": time.monotonic() - started})
            if every is None:
                return
            time.sleep(every)
