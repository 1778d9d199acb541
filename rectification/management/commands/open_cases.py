"""`manage.py open_cases CAMPAIGN`: open the cases the published run calls for (publishing does it
already; this is for a publication whose deadlines the calendar could not count). Safe to repeat."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.management.commands._common import iso_date
from publicity.selectors import notice_publicity
from rectification.services import CaseRefused, cases_open_from_run
from surveys.management.commands._args import add_campaign_argument, campaign_from_argument


class Command(BaseCommand):
    help = "Open the rectification cases that the run of a campaign's publicity notice calls for."

    def add_arguments(self, parser):
        add_campaign_argument(parser)
        parser.add_argument("--today", type=iso_date, help="the opening date (default: today)")

    def handle(self, *args, campaign, today, **options):
        target = campaign_from_argument(campaign)
        notice = notice_publicity(target)
        if notice is None:
            raise CommandError(_("Campaign “%(slug)s” has no publicity notice yet.") % {"slug": target.slug})
        try:
            opened = cases_open_from_run(run=notice.run, actor="manage.py open_cases", today=today)
        except CaseRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(_("%(count)d case(s) opened.") % {"count": len(opened)})
