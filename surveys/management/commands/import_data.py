"""Import reference data: `manage.py import_data units FILE.xlsx [--dry-run]` (regions, units, margins, roster)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minping.lib.tabular import TableError, load_dataset
from surveys.resources import RESOURCES
from surveys.services import reference_data_import


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
            outcome = reference_data_import(resource_class=RESOURCES[kind], dataset=load_dataset(file),
                                            actor="manage.py import_data", dry_run=dry_run, file_name=file.name)
        except TableError as error:
            raise CommandError(str(error)) from None
        rows, problems = outcome.rows, outcome.problems
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(_("%(n)d problems; nothing was imported.") % {"n": len(problems)})
        if dry_run:
            self.stdout.write(_("Dry run: all %(n)d rows are valid; nothing was imported.") % {"n": rows})
        else:
            self.stdout.write(self.style.SUCCESS(_("%(n)d rows imported.") % {"n": rows}))
