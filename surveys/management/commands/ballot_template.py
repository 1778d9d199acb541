"""A fill-in workbook for paper ballots: `manage.py ballot_template demo-2026 --group residents --out FILE.xlsx`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.commands._args import add_group_arguments, check_output_file, get_group
from surveys.paper import ballot_template


class Command(BaseCommand):
    help = "Write an XLSX workbook to type paper ballots into (row 1 keys, row 2 labels, data from row 3)."

    def add_arguments(self, parser):
        add_group_arguments(parser)
        parser.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")

    def handle(self, *args, campaign, group, out, **options):
        target = get_group(campaign, group)
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("The template is an .xlsx file."))
        check_output_file(out, may_exist=True)
        ballot_template(target).save(out)
        self.stdout.write(self.style.SUCCESS(_("Template written to %(path)s.") % {"path": out}))
