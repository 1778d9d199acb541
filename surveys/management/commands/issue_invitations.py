"""Issue one-time invitation codes: `manage.py issue_invitations demo-2026 --group delegates --count 500 --out codes.csv`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.exports import write_codes
from surveys.management.commands._args import add_group_arguments, check_output_file, get_group
from surveys.services import invitations_issue


class Command(BaseCommand):
    help = "Issue invitation codes for a group and write them with their ballot links to a CSV file (shown nowhere else)."

    def add_arguments(self, parser):
        add_group_arguments(parser)
        parser.add_argument("--count", required=True, type=int, help="how many codes")
        parser.add_argument("--out", required=True, type=Path, help="CSV file to write (must not exist)")

    def handle(self, *args, campaign, group, count, out, **options):
        target = get_group(campaign, group)
        check_output_file(out)
        try:
            codes = invitations_issue(group=target, count=count, actor="manage.py issue_invitations")
        except ValueError as error:
            raise CommandError(str(error)) from None
        # utf-8-sig so that Excel opens the file with the right encoding.
        with out.open("x", newline="", encoding="utf-8-sig") as handle:
            write_codes(handle, codes)
        self.stdout.write(self.style.SUCCESS(
            _("%(count)d invitations for %(group)s written to %(path)s.") % {"count": count, "group": target.name, "path": out}))
