"""Check every published notice against its hash, the chain, and the record outside the database:
`manage.py verify_notices [--mirror COPY]` (exit 1 if broken)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.selectors import notices_chain_check


class Command(BaseCommand):
    help = ("Check every stored notice file against its SHA-256, each notice's link to the one before, the "
            "public chain file (its lines, signature and timestamps) and optionally an earlier copy of it; "
            "exit 1 naming the first broken link.")

    def add_arguments(self, parser):
        parser.add_argument("--mirror", type=Path,
                            help="an earlier copy of /notices/chain.jsonl: the current file must continue it")

    def handle(self, *args, mirror, **options):
        if mirror is not None and not mirror.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": mirror})
        report = notices_chain_check(mirror=mirror.read_bytes() if mirror is not None else None)
        if not report.ok:
            raise CommandError(_("Broken link: %(problem)s") % {"problem": report.problem})
        self.stdout.write(self.style.SUCCESS(
            _("%(count)d notice(s) verified: every file matches its hash, the chain is unbroken, and the public "
              "chain file agrees.") % {"count": report.checked}))
