"""The notices' hash chain anchored outside the database.

A database administrator (or anyone who reaches the database and the media folder) could replace a
notice's file *and* its recorded hash together; the chain in the database would still look whole.
Three anchors make that visible:

1. Each notice prints the previous notice's SHA-256 in its own text (`_chain_anchor.html`), so a
   published PDF vouches for the one before it.
2. A public append-only chain file, `notices/chain.jsonl` in storage, served at
   `/notices/chain.jsonl`: one JSON line per notice (sequence, notice id, kind, campaign, sha256,
   previous sha256, published at), written when the notice is published and never rewritten. Anyone
   may mirror it; a later copy must start with every line of an earlier one. With the organ's
   signing key configured it is signed: a detached CMS signature (`chain.jsonl.p7s`, DER) that
   `openssl cms -verify` checks against the organ's certificate (`/notices/signing-certificate.pem`).
3. RFC 3161 timestamps when a timestamp authority is configured (`MINPING_TSA_URL`): a token over
   each notice's SHA-256 (`/notices/<id>/timestamp.tsr`, `openssl ts -verify`), and one inside the
   chain file's signature. A TSA's token cannot be back-dated, so a forged file gets a later time.
"""
import asyncio
import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from . import signing

CHAIN_NAME = "notices/chain.jsonl"
SIGNATURE_NAME = CHAIN_NAME + ".p7s"
# A timestamp says when the TSA saw the hash; publishing (rendering, signing, the TSA's answer) takes
# seconds, so the token's time must fall within this window after the recorded publication time.
TIMESTAMP_TOLERANCE = dt.timedelta(hours=1)


# --- The chain file -------------------------------------------------------------------------------

def chain_line(notice) -> dict:
    """What the chain file says about `notice`: everything needed to check the chain, no more."""
    return {
        "sequence": notice.sequence,
        "notice": notice.pk,
        "kind": notice.kind,
        "campaign": notice.campaign.slug,
        "sha256": notice.sha256,
        "previous_sha256": notice.previous_sha256,
        "published_at": notice.published_at.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
    }


def encode_line(line: dict) -> bytes:
    """One canonical JSON line (sorted keys, no spaces, UTF-8): the same notice always gives the same bytes."""
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def chain_bytes() -> bytes | None:
    """The chain file as stored, or None before the first notice."""
    return _read(CHAIN_NAME)


def signature_bytes() -> bytes | None:
    return _read(SIGNATURE_NAME)


def parse_chain(data: bytes) -> list[dict]:
    """The lines of a chain file; ValueError names the first line that is not a JSON object."""
    lines = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = json.loads(raw)
        except ValueError:
            raise ValueError(f"line {number} is not JSON") from None
        if not isinstance(line, dict):
            raise ValueError(f"line {number} is not a JSON object")
        lines.append(line)
    return lines


def chain_append(notice, earlier) -> tuple[bytes | None, bytes | None]:
    """Append `notice`'s line to the chain file (and re-sign it); returns the previous file and
    signature, so that a publication that fails afterwards can put them back (`chain_restore`).

    `earlier` are the notices before this one, in order: a site whose notices predate the chain
    file starts it from them.
    """
    previous, previous_signature = chain_bytes(), signature_bytes()
    base = previous if previous is not None else b"".join(encode_line(chain_line(n)) for n in earlier)
    content = base + encode_line(chain_line(notice))
    signature = sign_detached(content) if signing.signing_configured() else None  # before writing anything
    try:
        _write(CHAIN_NAME, content)
        if signature is not None:
            _write(SIGNATURE_NAME, signature)
    except BaseException:
        chain_restore(previous, previous_signature)
        raise
    return previous, previous_signature


def chain_restore(previous: bytes | None, previous_signature: bytes | None) -> None:
    for name, data in ((CHAIN_NAME, previous), (SIGNATURE_NAME, previous_signature)):
        if data is None:
            default_storage.delete(name)
        else:
            _write(name, data)


def mirror_first_difference(mirror: bytes, current: bytes) -> int | None:
    """The first line of an earlier copy `mirror` that `current` changed or dropped; None when `current`
    continues it (append-only)."""
    new = current.splitlines()
    for number, line in enumerate(mirror.splitlines(), start=1):
        if number > len(new) or new[number - 1] != line:
            return number
    return None


# --- Signatures -----------------------------------------------------------------------------------

def sign_detached(data: bytes) -> bytes:
    """A detached CMS signature (DER) of `data` with the organ's key, timestamped when a TSA is set."""
    signer = signing._signer()  # the organ's key and certificate, as for the notices' PAdES signatures
    content = signer.async_sign_general_data(data, "sha256", detached=True, timestamper=timestamper())
    return _from_tsa(content).dump()


@dataclass(frozen=True)
class DetachedReport:
    valid: bool                  # the signature matches the data
    trusted: bool                # made with this site's signing certificate
    signer: str
    timestamp: dt.datetime | None  # from the TSA's token inside the signature, if any


def verify_detached(data: bytes, signature: bytes) -> DetachedReport:
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    trust = signing.trusted_certificates()
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        context = ValidationContext(trust_roots=trust, allow_fetching=False, revocation_mode="soft-fail")
        status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=context,
                                                         ts_validation_context=_tsa_context()))
    except Exception:  # noqa: BLE001 — a signature that cannot be read or checked is not valid
        return DetachedReport(False, False, "", None)
    stamp = status.timestamp_validity
    return DetachedReport(
        valid=bool(status.intact and status.valid), trusted=bool(status.trusted and trust),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        timestamp=stamp.timestamp if stamp is not None and stamp.intact and stamp.valid else None,
    )


def certificate_pem() -> bytes | None:
    """The organ's signing certificate (PEM) for anyone who checks the chain file; None without signing."""
    from asn1crypto import pem

    certificates = signing.trusted_certificates()
    return pem.armor("CERTIFICATE", certificates[0].dump()) if certificates else None


# --- RFC 3161 timestamps --------------------------------------------------------------------------

class TimestampUnavailable(Exception):
    """The configured timestamp authority gave no token (unreachable, refused, or a malformed answer)."""


def _from_tsa(awaitable):
    """Run pyHanko's coroutine that asks the TSA; its failures become TimestampUnavailable."""
    try:
        return asyncio.run(awaitable)
    except (OSError, ValueError) as error:  # pyHanko's TimestampRequestError is an OSError
        raise TimestampUnavailable(str(error) or type(error).__name__) from error


def timestamper():
    """The configured timestamp authority (`MINPING_TSA_URL`), or None."""
    if not settings.MINPING_TSA_URL:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(settings.MINPING_TSA_URL, timeout=settings.MINPING_TSA_TIMEOUT)


def timestamp_name(notice_file_name: str) -> str:
    return notice_file_name + ".tsr"


def timestamp_token(sha256: str) -> bytes | None:
    """An RFC 3161 timestamp token (DER) over the SHA-256 `sha256`, or None without a TSA."""
    stamper = timestamper()
    if stamper is None:
        return None
    return _from_tsa(stamper.async_timestamp(bytes.fromhex(sha256), "sha256")).dump()


@dataclass(frozen=True)
class TimestampReport:
    valid: bool             # the token's signature checks out and it covers this SHA-256
    trusted: bool           # signed by a TSA named in MINPING_TSA_CERTIFICATES
    time: dt.datetime | None
    tsa: str = ""

    @property
    def ok(self) -> bool:
        return self.valid and self.trusted


def timestamp_check(token: bytes, sha256: str) -> TimestampReport:
    """Check an RFC 3161 token against `sha256` and the configured TSA certificates."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

    expected = bytes.fromhex(sha256)
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        status = asyncio.run(validate_tst_signed_data(signed_data, _tsa_context(),
                                                      lambda algorithm: expected if algorithm == "sha256" else b""))
    except Exception:  # noqa: BLE001 — unreadable or unverifiable: not a valid timestamp
        return TimestampReport(False, False, None)
    valid = bool(status.get("intact") and status.get("valid"))
    cert = status.get("signing_cert")
    return TimestampReport(valid=valid, trusted=valid and status.get("trust_problem_indic") is None,
                           time=status.get("timestamp"), tsa=cert.subject.human_friendly if cert else "")


def _tsa_context():
    """Trust for timestamp tokens: the TSA certificates named by `MINPING_TSA_CERTIFICATES` (PEM files)."""
    from asn1crypto import pem, x509
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for path in settings.MINPING_TSA_CERTIFICATES:
        with open(path, "rb") as handle:
            data = handle.read()
        roots += [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, multiple=True)]
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


# --- Storage ----------------------------------------------------------------------------------------

def _read(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _write(name: str, data: bytes) -> None:
    """Replace `name` in storage (Django's storage would otherwise pick a new name beside it)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # a publication racing this one: never leave two chain files
        default_storage.delete(saved)
        raise RuntimeError(f"could not write {name}")
