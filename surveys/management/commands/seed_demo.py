"""Load the demo city: `manage.py seed_demo [--ballots N] [--seed S] [--reset | --if-empty]`."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys import demo
from surveys.models import Campaign


class Command(BaseCommand):
    help = "Build the demo city and the open campaign demo-2026 with simulated ballots (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("--ballots", type=int, default=20_000, help="number of simulated ballots (default 20000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument("--reset", action="store_true", help="replace an existing demo")
        existing.add_argument("--if-empty", action="store_true", help="do nothing when the demo is already loaded")

    def handle(self, *args, ballots, seed, reset, if_empty, **options):
        if ballots < 0:
            raise CommandError(_("--ballots must be zero or more."))
        if if_empty and demo.demo_exists():
            self.stdout.write(_("The demo is already loaded (use --reset to rebuild it)."))
            campaign = Campaign.objects.get(slug=demo.CAMPAIGN_SLUG)
            self._print_access(demo.demo_invitation(campaign, settings.MINPING_BASE_URL))
            return
        started = time.perf_counter()
        try:
            result = demo.seed_demo(ballots=ballots, seed=seed, base_url=settings.MINPING_BASE_URL, reset=reset)
        except demo.DemoExists:
            raise CommandError(_("The demo campaign already exists; use --reset to rebuild it.")) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            _("Demo city loaded: %(ballots)d ballots, %(answers)d answers in %(seconds).1f s.")
            % {"ballots": result.ballots, "answers": result.answers, "seconds": elapsed}
        ))
        for key, count in result.by_group.items():
            self.stdout.write(f"  {key}: {count}")
        self._print_access(result.ballot_link)

    def _print_access(self, ballot_link: str) -> None:
        # Both demo accounts sign in at /accounts/login/ and land on their own start pages.
        login = {"url": settings.MINPING_BASE_URL, "password": demo.STAFF_PASSWORD}
        self.stdout.write(_("Staff sign-in: %(user)s / %(password)s at %(url)s/accounts/login/ "
                            "(the admin: %(url)s/admin/)") % {**login, "user": demo.STAFF_USERNAME})
        self.stdout.write(_("Unit contact sign-in: %(user)s / %(password)s at %(url)s/accounts/login/")
                          % {**login, "user": demo.CONTACT_USERNAME})
        self.stdout.write(_("A ballot link (delegates, unused): %(link)s") % {"link": ballot_link})
