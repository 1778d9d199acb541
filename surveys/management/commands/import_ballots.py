"""Import paper ballots: `manage.py import_ballots demo-2026 --group residents FILE [--dry-run] [--force]`."""
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.commands._args import add_group_arguments, get_group
from surveys.paper import PaperImportError, import_paper_ballots


class Command(BaseCommand):
    help = ("Import each data row of an XLSX/CSV file as one paper ballot. Any invalid row: every problem is "
            "listed, nothing is imported, exit status 1.")

    def add_arguments(self, parser):
        add_group_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
        parser.add_argument("--force", action="store_true", help="import a file that was imported before")

    def handle(self, *args, campaign, group, file, dry_run, force, **options):
        target = get_group(campaign, group)
        if not file.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": file})
        started = time.perf_counter()
        try:
            result = import_paper_ballots(group=target, path=file, actor="manage.py import_ballots",
                                          dry_run=dry_run, force=force)
        except PaperImportError as error:
            raise CommandError(str(error)) from None
        if result.duplicate_of is not None:
            raise CommandError(_("This file was already imported on %(date)s (%(ballots)d ballots); use --force to "
                                 "import it again.") % {"date": result.duplicate_of.imported_on,
                                                        "ballots": result.duplicate_of.ballots})
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(_("%(n)d problems; nothing was imported.") % {"n": len(result.problems)})
        seconds = time.perf_counter() - started
        if dry_run:
            self.stdout.write(_("Dry run: all %(n)d ballots are valid; nothing was imported.") % {"n": result.ballots})
        else:
            self.stdout.write(self.style.SUCCESS(_("%(n)d paper ballots imported in %(seconds).1f s.")
                                                 % {"n": result.ballots, "seconds": seconds}))
