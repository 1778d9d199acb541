"""The notices' hash chain anchored outside the database: the previous hash in each notice's text, the
public append-only chain file (signed with the organ's key), RFC 3161 timestamps — and a forger who
replaces a notice's file *and* its recorded hash together is caught."""
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from publicity import anchoring
from publicity.models import GENESIS_SHA256, Notice
from publicity.selectors import file_sha256
from publicity.services import notice_publish

from .factories import AFTER_PERIOD, PUBLISHED_AT, as_database_administrator

OPENSSL = shutil.which("openssl") or "openssl"  # installed by `make install-test`


@pytest.fixture
def chain(published):
    """The publicity notice and the final report: a chain of two."""
    return [published, notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)]


def _stored(notice: Notice) -> bytes:
    with default_storage.open(notice.file.name, "rb") as handle:
        return handle.read()


def _replace_stored(name: str, data: bytes) -> None:
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name


def _verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_notices", *args, stdout=out)
    return out.getvalue()


def _forge_newest(notice: Notice) -> bytes:
    """Replace the newest notice's file with a changed one AND its recorded hash with the new file's."""
    forged = bytearray(_stored(notice))
    forged[len(forged) // 2] ^= 0x01
    _replace_stored(notice.file.name, bytes(forged))
    as_database_administrator("UPDATE publicity_notice SET sha256 = %s WHERE id = %s",
                              [hashlib.sha256(forged).hexdigest(), notice.pk])
    return bytes(forged)


def _database_and_files_agree() -> bool:
    """The check verify_notices used to make: each file against its recorded hash, each link to the one before."""
    notices = list(Notice.objects.order_by("sequence"))
    links = all(later.previous_sha256 == earlier.sha256 for earlier, later in zip(notices, notices[1:], strict=False))
    return links and all(file_sha256(n.file.name) == n.sha256 for n in notices)


# --- The previous hash in the next notice's text -----------------------------------------------------

def _text(notice: Notice) -> str:
    reader = PdfReader(io.BytesIO(_stored(notice)))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_each_notice_prints_the_previous_notices_sha256_and_the_chain_files_address(chain, settings):
    first, second = chain
    assert "本文件为本平台发布的第一份公告" in _text(first) and GENESIS_SHA256 not in _text(first)
    text = _text(second)
    assert f"上一份公告文件的SHA-256值为{first.sha256}" in text
    assert settings.MINPING_BASE_URL + "/notices/chain.jsonl" in text


# --- The public chain file -----------------------------------------------------------------------------

def test_the_chain_file_has_one_line_per_notice_served_publicly(client, chain):
    response = client.get("/notices/chain.jsonl")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.content.splitlines()]
    assert [line["sequence"] for line in lines] == [1, 2]
    for line, notice in zip(lines, chain, strict=True):
        assert line == {"sequence": notice.sequence, "notice": notice.pk, "kind": notice.kind,
                        "campaign": notice.campaign.slug, "sha256": notice.sha256,
                        "previous_sha256": notice.previous_sha256,
                        "published_at": notice.published_at.astimezone(dt.UTC).replace(microsecond=0).isoformat()}


def test_the_chain_file_only_grows(published):
    before = anchoring.chain_bytes()
    notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)
    after = anchoring.chain_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2


def test_the_record_files_are_read_only_urls(client, published):
    for url in ("/notices/chain.jsonl", f"/notices/{published.pk}/timestamp.tsr", "/notices/chain.jsonl.p7s"):
        assert client.post(url).status_code == 405, url
    assert client.head("/notices/chain.jsonl").status_code == 200


def test_no_chain_file_before_the_first_notice(client, db):
    assert client.get("/notices/chain.jsonl").status_code == 404
    assert client.get("/notices/chain.jsonl.p7s").status_code == 404
    assert client.get("/notices/signing-certificate.pem").status_code == 404


def test_a_failed_publication_leaves_the_chain_file_as_it_was(published, monkeypatch):
    before = anchoring.chain_bytes()

    def fail(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("publicity.services.audit_record", fail)
    with pytest.raises(RuntimeError):
        notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)
    assert anchoring.chain_bytes() == before and Notice.objects.count() == 1


# --- Forging a file and its hash together ----------------------------------------------------------------

def test_forging_the_newest_file_and_its_hash_together_is_caught(chain):
    _verify()  # the genuine chain holds
    _forge_newest(chain[1])
    assert _database_and_files_agree()  # control: the database and the files alone no longer see it
    with pytest.raises(CommandError, match=r"#2 .*公开的哈希链文件"):
        _verify()


def test_the_verify_page_does_not_call_the_forged_pdf_authentic(client, chain):
    genuine = _stored(chain[1])
    forged = _forge_newest(chain[1])
    upload = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", forged, "application/pdf")})
    assert b'data-authentic="no"' in upload.content and b'data-record="broken"' in upload.content
    pasted = client.post("/notices/verify/", {"sha256": hashlib.sha256(forged).hexdigest()})
    assert b'data-authentic="no"' in pasted.content
    # The file people downloaded before the forgery: the chain file still knows its hash.
    original = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", genuine, "application/pdf")})
    assert b'data-record="only-in-chain"' in original.content
    detail = client.get(f"/notices/{chain[1].pk}/")
    assert b'id="record-warning"' in detail.content


def test_a_pasted_hash_is_recorded_only_while_the_stored_file_matches_it(client, published):
    page = client.post("/notices/verify/", {"sha256": published.sha256})
    assert b'data-authentic="yes"' in page.content  # control: the record holds
    assert b'id="record-warning"' not in client.get(f"/notices/{published.pk}/").content
    _replace_stored(published.file.name, b"%PDF-1.7 something else")
    page = client.post("/notices/verify/", {"sha256": published.sha256})
    assert b'data-authentic="no"' in page.content and b'data-record="broken"' in page.content
    detail = client.get(f"/notices/{published.pk}/")
    assert b'id="record-warning"' in detail.content and "存储文件的 SHA-256" in detail.content.decode()


def test_a_rewritten_unsigned_chain_file_is_caught_by_an_earlier_copy(chain, tmp_path):
    mirror = tmp_path / "chain.jsonl"
    mirror.write_bytes(anchoring.chain_bytes())
    assert "已校验 2 份公告" in _verify("--mirror", str(mirror))
    # The forger also rewrites the chain file; without a signing key nothing on the server disagrees.
    _forge_newest(chain[1])
    lines = anchoring.parse_chain(anchoring.chain_bytes())
    lines[1]["sha256"] = Notice.objects.get(pk=chain[1].pk).sha256
    _replace_stored(anchoring.CHAIN_NAME, b"".join(anchoring.encode_line(line) for line in lines))
    _verify()  # honest limitation: the server's own copy was rewritten consistently
    with pytest.raises(CommandError, match="第 2 行"):
        _verify("--mirror", str(mirror))


# --- Signed chain file ---------------------------------------------------------------------------------

def test_the_signed_chain_file_verifies_with_openssl(client, scored, signing_key, tmp_path):
    notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    for name in ("chain.jsonl", "chain.jsonl.p7s", "signing-certificate.pem"):
        response = client.get(f"/notices/{name}")
        assert response.status_code == 200, name
        (tmp_path / name).write_bytes(response.content)
    command = [OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "chain.jsonl.p7s"),
               "-content", str(tmp_path / "chain.jsonl"), "-CAfile", str(tmp_path / "signing-certificate.pem"),
               "-purpose", "any", "-out", "/dev/null"]
    assert subprocess.run(command, capture_output=True).returncode == 0
    (tmp_path / "chain.jsonl").write_bytes((tmp_path / "chain.jsonl").read_bytes() + b"{}\n")
    assert subprocess.run(command, capture_output=True).returncode != 0  # control: a changed file fails


def test_forging_file_hash_and_chain_file_is_caught_by_the_chain_files_signature(chain, signing_key):
    # A site with a key from the start: republish the chain under the key first.
    anchoring.chain_restore(anchoring.chain_bytes(), anchoring.sign_detached(anchoring.chain_bytes()))
    _verify()
    _forge_newest(chain[1])
    lines = anchoring.parse_chain(anchoring.chain_bytes())
    lines[1]["sha256"] = Notice.objects.get(pk=chain[1].pk).sha256
    _replace_stored(anchoring.CHAIN_NAME, b"".join(anchoring.encode_line(line) for line in lines))
    with pytest.raises(CommandError, match="签名"):
        _verify()


# --- RFC 3161 timestamps -------------------------------------------------------------------------------

@dataclass
class LocalTSA:
    stamper: object  # pyHanko's DummyTimeStamper: signs whatever it is asked, at `fixed_dt` if set
    certificate: Path


@pytest.fixture
def tsa(tmp_path, settings):
    """A timestamp authority on 127.0.0.1 speaking RFC 3161 over HTTP, as MINPING_TSA_URL would name one.
    It answers with pyHanko's test TSA and a certificate of its own, trusted through the setting."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(PUBLISHED_AT - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=400))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "tsa.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption())),
        fixed_dt=PUBLISHED_AT + dt.timedelta(seconds=2))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MINPING_TSA_URL = f"http://127.0.0.1:{server.server_port}/tsa"
    settings.MINPING_TSA_CERTIFICATES = [str(pem)]
    yield LocalTSA(stamper=stamper, certificate=pem)
    server.shutdown()
    server.server_close()


def test_without_a_timestamp_authority_notices_carry_no_token(client, published):
    assert anchoring.timestamper() is None
    assert client.get(f"/notices/{published.pk}/timestamp.tsr").status_code == 404
    assert "RFC 3161" not in client.get(f"/notices/{published.pk}/").content.decode()
    _verify()


def test_each_notice_gets_a_timestamp_token_over_its_sha256(client, scored, tsa, tmp_path):
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    response = client.get(f"/notices/{notice.pk}/timestamp.tsr")
    assert response.status_code == 200
    report = anchoring.timestamp_check(response.content, notice.sha256)
    assert report.ok and report.time == PUBLISHED_AT + dt.timedelta(seconds=2) and "Test TSA" in report.tsa
    assert not anchoring.timestamp_check(response.content, "0" * 64).valid  # control: another hash
    _verify()
    token = tmp_path / "n.tsr"
    token.write_bytes(response.content)
    command = [OPENSSL, "ts", "-verify", "-digest", notice.sha256, "-token_in", "-in", str(token),
               "-CAfile", str(tsa.certificate)]
    assert subprocess.run(command, capture_output=True).returncode == 0
    command[command.index(notice.sha256)] = "0" * 64
    assert subprocess.run(command, capture_output=True).returncode != 0  # control: openssl sees another hash


def test_a_forged_file_with_a_fresh_token_is_caught_by_its_time(chain, tsa):
    # Even a forger who gets a genuine token for the forged hash gets today's time, not the publication's.
    newest = chain[1]
    forged = _forge_newest(newest)
    tsa.stamper.fixed_dt = dt.datetime.now(dt.UTC)
    anchoring.chain_restore(b"".join(anchoring.encode_line(anchoring.chain_line(n))
                                     for n in Notice.objects.select_related("campaign").order_by("sequence")), None)
    token = anchoring.timestamp_token(hashlib.sha256(forged).hexdigest())
    default_storage.save(anchoring.timestamp_name(newest.file.name), ContentFile(token))
    with pytest.raises(CommandError, match="RFC 3161 时间戳为"):
        _verify()


def test_an_unreachable_timestamp_authority_refuses_the_publication_and_stores_nothing(scored, settings):
    from publicity.services import PublishRefused

    settings.MINPING_TSA_URL = "http://127.0.0.1:9/tsa"  # the discard port: nothing answers
    with pytest.raises(PublishRefused, match="时间戳服务"):
        notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    scored.refresh_from_db()
    assert not Notice.objects.exists() and anchoring.chain_bytes() is None and scored.status == "scored"
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []


def test_the_chain_files_signature_carries_a_timestamp(scored, signing_key, tsa):
    notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    report = anchoring.verify_detached(anchoring.chain_bytes(), anchoring.signature_bytes())
    assert report.valid and report.trusted and report.timestamp == PUBLISHED_AT + dt.timedelta(seconds=2)


def test_a_timestamp_authority_without_certificates_to_check_it_is_a_configuration_error(settings, tmp_path):
    from publicity.checks import timestamp_authority

    assert timestamp_authority() == []  # not configured: nothing to check
    settings.MINPING_TSA_URL = "https://tsa.example/"
    settings.MINPING_TSA_CERTIFICATES = []
    assert [error.id for error in timestamp_authority()] == ["publicity.E001"]
    settings.MINPING_TSA_CERTIFICATES = [str(tmp_path / "missing.pem")]
    assert [error.id for error in timestamp_authority()] == ["publicity.E002"]
    (tmp_path / "missing.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    assert timestamp_authority() == []
