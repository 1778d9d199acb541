"""Import reference data: `manage.py import_data units FILE.xlsx [--dry-run]` (regions, units, margins, roster)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.resources import RESOURCES
from surveys.tabular import TableError, import_table


class Command(BaseCommand):
    help = ("Import regions, units, census margins or a roster from XLSX/CSV (Chinese or English headers). "
            "Every row is checked first; one problem and nothing is imported (exit 1).")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RESOURCES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every row, import nothing")

    def handle(self, *args, kind, file, dry_run, **options):
        if not file.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": file})
        try:
            rows, problems = import_table(RESOURCES[kind], file, actor="manage.py import_data", dry_run=dry_run)
        except TableError as error:
            raise CommandError(str(error)) from None
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(_("%(n)d problems; nothing was imported.") % {"n": len(problems)})
        if dry_run:
            self.stdout.write(_("Dry run: all %(n)d rows are valid; nothing was imported.") % {"n": rows})
        else:
            self.stdout.write(self.style.SUCCESS(_("%(n)d rows imported.") % {"n": rows}))
