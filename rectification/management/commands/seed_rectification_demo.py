"""`manage.py seed_rectification_demo`: the demo campaign's rectification cases (after `seed_demo`)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rectification import demo
from rectification.services import CaseRefused
from surveys.demo import demo_exists


class Command(BaseCommand):
    help = "Open the demo campaign's rectification cases, on past dates and in every status (once)."

    def handle(self, *args, **options):
        if not demo_exists():
            raise CommandError(_("The demo is not loaded: run manage.py seed_demo first."))
        try:
            cases = demo.seed_cases()
        except CaseRefused as refused:   # e.g. a year the holiday calendar does not know yet
            raise CommandError(str(refused)) from None
        self.stdout.write(_("%(count)d demo rectification case(s) opened.") % {"count": len(cases)})
