"""Optional PAdES signatures on published notices (pyHanko), and reading them back.

With `MINPING_SIGNING_P12` (and `MINPING_SIGNING_PASSPHRASE`) set, `notice_publish` signs the PDF
before hashing and storing it, so the chain's SHA-256 is that of the signed file. Validation
trusts the configured certificate (a self-signed one in the demo: `manage.py notice_signing_cert`)
and fetches nothing from the network: no OCSP, no CRLs, no timestamp server.
"""
import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD_NAME = "MinpingSignature"


def signing_configured() -> bool:
    return bool(settings.MINPING_SIGNING_P12)


def _signer():
    from pyhanko.sign import signers

    path = Path(settings.MINPING_SIGNING_P12)
    if not path.is_file():
        raise ImproperlyConfigured(f"MINPING_SIGNING_P12 names no file: {path}")
    passphrase = settings.MINPING_SIGNING_PASSPHRASE.encode() or None
    signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(path), passphrase=passphrase)
    if signer is None:
        raise ImproperlyConfigured(f"Cannot read the key and certificate in {path} (wrong passphrase?)")
    return signer


def sign_pdf(data: bytes) -> bytes:
    """`data` with a PAdES baseline signature added as an incremental update."""
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason="发布评议结果公告", location=settings.MINPING_ISSUING_ORGAN,
    )
    writer = _writer_class()(BytesIO(data), strict=False)
    out = signers.PdfSigner(metadata, signer=_signer()).sign_pdf(writer)
    return out.getvalue()


def _writer_class():
    """pyHanko's incremental writer, with the XMP producer made to agree with the Info dictionary.

    pyHanko 0.38 appends itself to the Info dictionary's producer ("WeasyPrint 70.0; pyHanko 0.38.0")
    but writes only itself into the XMP packet ("pyHanko 0.38.0"); PDF/A requires the two to agree.
    After pyHanko's own metadata update, the XMP packet gets the Info dictionary's producer.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata import model, xmp_xml

    class AgreeingMetadataWriter(IncrementalPdfFileWriter):
        def _update_meta(self):
            super()._update_meta()
            info = self._info.get_object() if self._info is not None else None
            if info is None or "/Producer" not in info or "/Metadata" not in self.root:
                return
            current = self.root["/Metadata"]
            if not isinstance(current, xmp_xml.MetadataStream):
                return
            fields = {name: value for root in current.xmp for name, value in root}
            fields[model.PDF_PRODUCER] = model.XmpValue(str(info["/Producer"]))
            stream = xmp_xml.MetadataStream.from_xmp([model.XmpStructure(fields)])
            self.root["/Metadata"] = self.add_object(stream)
            self.update_root()

    return AgreeingMetadataWriter


def trusted_certificates() -> list:
    if not signing_configured():
        return []
    try:
        return [_signer().signing_cert]
    except ImproperlyConfigured:
        return []


@dataclass(frozen=True)
class SignatureReport:
    signer: str
    signed_at: dt.datetime | None
    intact: bool          # the signed bytes are unchanged
    valid: bool           # the cryptographic signature checks out
    trusted: bool         # the signer's certificate is this site's signing certificate
    covers_whole_file: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file


def signatures(data: bytes) -> list[SignatureReport]:
    """Every signature in the PDF `data`, validated; [] when unsigned. A damaged file is an invalid signature."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError):
        return []
    reports = []
    trust = trusted_certificates()
    for sig in embedded:
        context = ValidationContext(trust_roots=trust, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(sig, context)
        except Exception as problem:  # noqa: BLE001 — any failure to validate is a failed signature
            reports.append(SignatureReport(str(problem)[:200], None, False, False, False, False))
            continue
        subject = status.signing_cert.subject.human_friendly if status.signing_cert else ""
        reports.append(SignatureReport(
            signer=subject, signed_at=status.signer_reported_dt, intact=status.intact, valid=status.valid,
            trusted=bool(status.trusted and trust),
            covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        ))
    return reports


def make_self_signed_p12(*, path: Path, passphrase: str, organ: str, days: int = 3650) -> Path:
    """A self-signed certificate and key for signing notices, as a PKCS#12 file (demo and tests)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organ),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{organ} 公告签名（自签名）")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"minping-notices", key, cert, None, encryption))
    path.chmod(0o600)
    return path
