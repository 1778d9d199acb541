"""Export anonymised ballots: `manage.py export_ballots demo-2026 --group residents --out FILE.csv|FILE.xlsx`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys.audit import audit_record
from surveys.ballot_export import write_export
from surveys.management.commands._args import add_group_arguments, check_output_file, get_group


class Command(BaseCommand):
    help = ("One row per ballot: its random id, the profile columns, <unit>:<question> scores and score:<unit>, "
            "plus a codebook. Free-text comments only with --with-comments (staff use, never for publication).")

    def add_arguments(self, parser):
        add_group_arguments(parser)
        parser.add_argument("--out", required=True, type=Path, help="FILE.csv (codebook in FILE.codebook.csv) or FILE.xlsx")
        parser.add_argument("--with-comments", action="store_true", help="include free-text answers (staff only)")

    def handle(self, *args, campaign, group, out, with_comments, **options):
        target = get_group(campaign, group)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(_("Unsupported file type “%(suffix)s”: use .xlsx or .csv.") % {"suffix": out.suffix})
        check_output_file(out, may_exist=True)
        # One snapshot: the rows and the codebook come from the same state of the database.
        with transaction.atomic():
            count = write_export(target, out, with_comments=with_comments)
            audit_record(actor="manage.py export_ballots", action="ballots.export", obj=target,
                         data={"ballots": count, "with_comments": with_comments})
        self.stdout.write(self.style.SUCCESS(_("%(n)d ballots written to %(path)s.") % {"n": count, "path": out}))
