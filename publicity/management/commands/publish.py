"""Publish a notice: `manage.py publish demo-2026 --kind publicity|final`; prints its SHA-256."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.models import Notice
from publicity.services import PROCESSES, PublishRefused, notice_publish
from surveys.management.commands._args import add_campaign_argument, campaign_from_argument

from ._common import iso_date


class Command(BaseCommand):
    help = ("Publish a campaign's publicity notice (公示; the campaign must be closed and scored) or, after the "
            "publicity period with every objection answered, its final report (通报). Prints the SHA-256.")

    def add_arguments(self, parser):
        add_campaign_argument(parser)
        parser.add_argument("--kind", choices=Notice.RESULT_KINDS, required=True)
        parser.add_argument("--deadline", type=iso_date,
                            help="last day of the publicity period, instead of counting working days "
                                 "(when the calendar does not know the year yet)")
        parser.add_argument("--title", default="", help="title instead of “关于……结果的公示/通报”")

    def handle(self, *args, campaign, kind, deadline, title, **options):
        target = campaign_from_argument(campaign)
        try:
            notice = notice_publish(campaign=target, kind=kind, actor=PROCESSES[kind], deadline=deadline, title=title)
        except PublishRefused as refused:
            raise CommandError("\n".join(refused.reasons)) from None
        if notice.objection_deadline:
            self.stdout.write(_("Objections until %(date)s.") % {"date": notice.objection_deadline.isoformat()})
        self.stdout.write(_("Published “%(title)s” as notice #%(seq)d%(signed)s.")
                          % {"title": notice.title, "seq": notice.sequence,
                             "signed": _(" (signed)") if notice.signed else ""})
        self.stdout.write(notice.sha256)
