"""Preview a notice: `manage.py notice demo-2026 --kind publicity --out notice.pdf`. Publishes nothing."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.models import Notice
from publicity.services import PublishRefused, notice_render
from surveys.management.commands._args import add_campaign_argument, campaign_from_argument

from ._common import iso_date


class Command(BaseCommand):
    help = ("Render the notice a campaign would get (a preview: nothing is stored or published). "
            "The same run and date always give the same bytes.")

    def add_arguments(self, parser):
        add_campaign_argument(parser)
        parser.add_argument("--kind", choices=Notice.RESULT_KINDS, default=Notice.Kind.PUBLICITY)
        parser.add_argument("--out", required=True, type=Path, help="PDF file to write")
        parser.add_argument("--html", type=Path, help="also write the HTML (the browser preview)")
        parser.add_argument("--date", type=iso_date, help="date of issue (YYYY-MM-DD), default today")
        parser.add_argument("--deadline", type=iso_date,
                            help="last day of the publicity period, instead of counting working days")

    def handle(self, *args, campaign, kind, out: Path, html: Path | None, date, deadline, **options):
        target = campaign_from_argument(campaign)
        try:
            rendered = notice_render(campaign=target, kind=kind, issued_on=date, deadline=deadline, pdf=True)
        except PublishRefused as refused:
            raise CommandError("\n".join(refused.reasons)) from None
        out.write_bytes(rendered.pdf)
        if html:
            from publicity.document import notice_html

            html.write_text(notice_html(rendered.data, preview=True), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(
            _("Preview of “%(title)s” (run %(run)d) written to %(out)s (%(size)d bytes). Nothing was published.")
            % {"title": rendered.data.title, "run": rendered.run.number, "out": out, "size": len(rendered.pdf)}))
