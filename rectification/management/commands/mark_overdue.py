"""Mark unfinished cases past their deadline: `manage.py mark_overdue [--today YYYY-MM-DD]` (run daily)."""
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from publicity.management.commands._common import iso_date
from rectification.services import cases_mark_overdue


class Command(BaseCommand):
    help = "Mark every unfinished rectification case whose deadline (in working days) has passed as overdue."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=iso_date, help="the day to judge by (default: today)")

    def handle(self, *args, today, **options):
        marked = cases_mark_overdue(today=today or timezone.localdate(), actor="manage.py mark_overdue")
        self.stdout.write(_("%(count)d case(s) marked overdue.") % {"count": len(marked)})
