"""Printable invitation slips: `manage.py invitation_slips demo-2026 --group delegates --count 80 --out FILE.pdf`."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys.management.commands._args import add_group_arguments, check_output_file, get_group
from surveys.slips import invitation_slips


class Command(BaseCommand):
    help = ("Issue invitations and render A4 sheets of cut-out slips (8 a page) with the code and a QR code. "
            "The codes exist nowhere else afterwards. --roster prints one slip per named evaluator.")

    def add_arguments(self, parser):
        add_group_arguments(parser)
        how_many = parser.add_mutually_exclusive_group(required=True)
        how_many.add_argument("--count", type=int, help="number of slips")
        how_many.add_argument("--roster", action="store_true", help="one slip per roster entry of the group, named")
        parser.add_argument("--out", required=True, type=Path, help="the PDF to write (must not exist)")

    def handle(self, *args, campaign, group, count, roster, out, **options):
        target = get_group(campaign, group)
        check_output_file(out)
        try:
            issued = invitation_slips(group=target, out=out, count=count, roster=roster,
                                      actor="manage.py invitation_slips")
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(_("%(n)d slips written to %(path)s.") % {"n": issued, "path": out}))
