"""Optional PAdES signatures: published notices are signed; a changed byte is caught."""
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from publicity import signing
from publicity.services import notice_publish

from .factories import PUBLISHED_AT


def test_published_notice_is_signed_and_the_signature_validates(scored, signing_key, client):
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    assert notice.signed
    with default_storage.open(notice.file.name, "rb") as handle:
        data = handle.read()
    [report] = signing.signatures(data)
    assert report.ok and report.trusted and report.intact and report.covers_whole_file
    assert "民评市" in report.signer
    call_command("verify_notices")  # the chain holds the hash of the signed file
    page = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", data, "application/pdf")})
    assert b'data-authentic="yes"' in page.content and b'data-signature="valid"' in page.content

    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01   # one byte inside the signed range
    reports = signing.signatures(bytes(changed))
    assert not reports or not reports[0].ok


def test_unsigned_pdf_has_no_signature(published):
    with default_storage.open(published.file.name, "rb") as handle:
        assert signing.signatures(handle.read()) == []
