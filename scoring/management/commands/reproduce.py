"""The reproduction kit: `manage.py reproduce demo-2026 --group residents --out kit/residents.csv [--run N]`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.models import ScoreRun
from scoring.services import reproduction_kit_write
from surveys.management.commands._args import add_group_arguments, check_output_file, get_group


class Command(BaseCommand):
    help = ("Export a group's anonymised ballots (CSV and codebook) with an R script beside them that declares the "
            "same design with R's survey package and prints every unit's score and SE; with --run, also that run's "
            "numbers and the differences. Run it with: Rscript FILE.R")

    def add_arguments(self, parser):
        add_group_arguments(parser)
        parser.add_argument("--out", required=True, type=Path, help="FILE.csv; the script is written to FILE.R")
        parser.add_argument("--run", type=int, metavar="N", help="compare with stored run N of the campaign")

    def handle(self, *args, campaign, group, out, run, **options):
        target = get_group(campaign, group)
        if out.suffix.lower() != ".csv":
            raise CommandError(_("The reproduction kit needs a .csv export (R reads it without extra packages)."))
        check_output_file(out, may_exist=True)
        stored = None
        if run is not None:
            stored = ScoreRun.objects.filter(campaign=target.campaign, number=run).first()
            if stored is None:
                raise CommandError(_("Campaign “%(slug)s” has no run %(n)d.") % {"slug": campaign, "n": run})
        count = reproduction_kit_write(group=target, out=out, run=stored, actor="manage.py reproduce")
        self.stdout.write(self.style.SUCCESS(
            _("%(n)d ballots written to %(path)s; reproduce with: Rscript %(script)s")
            % {"n": count, "path": out, "script": out.with_suffix(".R")}))
