"""Make a self-signed certificate for signing notices (demo): `manage.py notice_signing_cert --out var/signing.p12`."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from publicity.signing import make_self_signed_p12


class Command(BaseCommand):
    help = ("Write a PKCS#12 file with a new key and a self-signed certificate for signing notices; point "
            "MINPING_SIGNING_P12 (and MINPING_SIGNING_PASSPHRASE) at it. For demonstrations: a real organ "
            "uses a certificate from its certification authority.")

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="PKCS#12 file to write (must not exist)")
        parser.add_argument("--passphrase", default="", help="protects the file (default: none)")
        parser.add_argument("--organ", default="", help="organisation in the certificate (default: the issuing organ)")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when the file exists")

    def handle(self, *args, out: Path, passphrase: str, organ: str, if_missing: bool, **options):
        if out.exists():
            if if_missing:
                self.stdout.write(_("%(out)s exists; left as it is.") % {"out": out})
                return
            raise CommandError(_("%(out)s exists; not overwriting a signing key.") % {"out": out})
        make_self_signed_p12(path=out, passphrase=passphrase, organ=organ or settings.MINPING_ISSUING_ORGAN)
        self.stdout.write(self.style.SUCCESS(
            _("Wrote %(out)s. Set MINPING_SIGNING_P12=%(out)s to sign published notices.") % {"out": out}))
