"""Check every published notice against its hash and the chain: `manage.py verify_notices` (exit 1 if broken)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.selectors import notices_chain_check


class Command(BaseCommand):
    help = ("Check every stored notice file against its SHA-256 and each notice's link to the one before; "
            "exit 1 naming the first broken link.")

    def handle(self, *args, **options):
        report = notices_chain_check()
        if not report.ok:
            raise CommandError(_("Broken link: %(problem)s") % {"problem": report.problem})
        self.stdout.write(self.style.SUCCESS(
            _("%(count)d notice(s) verified: every file matches its hash, and the chain is unbroken.")
            % {"count": report.checked}))
