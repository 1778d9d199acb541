"""Export reference data: `manage.py export_data units --out FILE.xlsx [--english]`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minping.lib.tabular import TableError, write_dataset
from surveys.resources import RESOURCES
from surveys.services import reference_data_export_record


class Command(BaseCommand):
    help = "Export regions, units, census margins or a roster to XLSX/CSV (Chinese headers; --english for English)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RESOURCES))
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--english", action="store_true", help="English column headers")

    def handle(self, *args, kind, out, english, **options):
        resource = RESOURCES[kind]()
        dataset = resource.export()
        if english:
            names = {f.column_name: f.attribute for f in resource.get_export_fields()}
            dataset.headers = [names.get(h, h) for h in dataset.headers]
        try:
            write_dataset(dataset, out)
        except (TableError, OSError) as error:
            raise CommandError(str(error)) from None
        reference_data_export_record(model=resource._meta.model, rows=len(dataset), actor="manage.py export_data",
                                     destination=str(out))
        self.stdout.write(self.style.SUCCESS(_("%(n)d rows written to %(path)s.") % {"n": len(dataset), "path": out}))
