"""Write out ballots cast online: `manage.py settle_ballots [--campaign SLUG] [--every SECONDS] [--min-batch N]`.

Casting stores a ballot as one pending row; this turns pending rows into ballots with their
answer and per-unit score rows. Scoring and exports settle on their own, so running this is
optional: beside the app servers (`--every 30`), it keeps that work small. No batch is smaller
than --min-batch ballots (ballots written together cannot be told apart by the transaction that
wrote them, which a batch of one would give away), and while a campaign is open that many stay
pending, so that its last batch is not smaller either. With --every a lost database connection
(a restart, a failover) is waited out: the next round is tried again after 1, 2, 4 … up to 60
seconds, and the command carries on once the database answers.
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, connection
from django.utils.translation import gettext as _

from surveys.ballots import SETTLE_MIN_BATCH, ballots_settle
from surveys.management.commands._args import add_campaign_argument, campaign_from_argument

RETRY_FIRST, RETRY_MAX = 1.0, 60.0   # seconds between tries while the database is away


class Command(BaseCommand):
    help = "Write out ballots cast online (scoring and exports do it too); --every to keep at it."

    def add_arguments(self, parser):
        add_campaign_argument(parser, option=True)
        parser.add_argument("--every", type=float, metavar="SECONDS",
                            help="keep running, settling again after this many seconds (stop with Ctrl-C)")
        parser.add_argument("--min-batch", type=int, default=SETTLE_MIN_BATCH, metavar="N",
                            help=f"write no batch of fewer than N ballots, and keep N of an open campaign's "
                                 f"pending (default {SETTLE_MIN_BATCH})")

    def handle(self, *args, campaign=None, every=None, min_batch=SETTLE_MIN_BATCH, **options):
        campaign_id = campaign_from_argument(campaign).pk if campaign is not None else None
        if every is not None and every <= 0:
            raise CommandError(_("--every takes a number of seconds above 0."))
        if min_batch < 1:
            raise CommandError(_("--min-batch takes a number of ballots of at least 1."))
        if every is None:
            self._round(campaign_id, min_batch, say_none=True)
            return
        retry = RETRY_FIRST
        while True:
            try:
                self._round(campaign_id, min_batch)
            except (OperationalError, InterfaceError) as error:
                connection.close()   # a broken connection is not reused; the next query opens a new one
                self.stderr.write(_("The database is not available (%(error)s); trying again in %(s).0f s.")
                                  % {"error": str(error).strip().splitlines()[0] if str(error).strip() else
                                     type(error).__name__, "s": retry})
                time.sleep(retry)
                retry = min(retry * 2, RETRY_MAX)
                continue
            retry = RETRY_FIRST
            time.sleep(every)

    def _round(self, campaign_id, min_batch, say_none: bool = False) -> None:
        started = time.monotonic()
        settled = ballots_settle(campaign_id=campaign_id, min_batch=min_batch)
        if settled or say_none:
            self.stdout.write(_("%(n)d ballots settled in %(s).1f s.") % {"n": settled, "s": time.monotonic() - started})

