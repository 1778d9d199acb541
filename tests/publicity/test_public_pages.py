"""The public pages: the list, a notice, its download, verification, the objection form."""
import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from publicity.models import Objection
from publicity.services import notice_publish


@pytest.fixture(autouse=True)
def _clear_limits(db):  # the limits count in the database cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def current(scored):
    """A publicity notice published today: its period is running."""
    return notice_publish(campaign=scored, kind="publicity", actor="tests")


def _file(notice) -> bytes:
    with default_storage.open(notice.file.name, "rb") as handle:
        return handle.read()


def test_list_and_detail_show_title_date_period_hash_and_download(client, published):
    page = client.get("/notices/")
    assert page.status_code == 200
    text = page.content.decode()
    assert published.title in text and published.sha256 in text and "2026-10-10" in text
    assert reverse("publicity:pdf", args=[published.pk]) in text
    detail = client.get(f"/notices/{published.pk}/").content.decode()
    assert published.sha256 in detail and published.previous_sha256 in detail
    download = client.get(f"/notices/{published.pk}/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == _file(published)


def test_verify_accepts_the_published_file_and_its_hash_and_rejects_a_changed_one(client, published):
    data = _file(published)
    ok = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", data, "application/pdf")})
    assert ok.status_code == 200 and b'data-authentic="yes"' in ok.content and published.title.encode() in ok.content
    changed = bytearray(data)
    changed[1000] ^= 0x20
    bad = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", bytes(changed), "application/pdf")})
    assert b'data-authentic="no"' in bad.content
    by_hash = client.post("/notices/verify/", {"sha256": published.sha256.upper()})
    assert b'data-authentic="yes"' in by_hash.content
    assert b'data-authentic="no"' in client.get("/notices/verify/", {"sha256": "a" * 64}).content
    assert client.post("/notices/verify/", {"sha256": "not-a-hash"}).status_code == 400


def test_objection_form_gives_a_confirmation_number_contact_optional(client, current):
    url = f"/notices/objections/{current.campaign.slug}/"
    assert client.get(url).status_code == 200
    unit = next(u for u in current.run.result["units"] if not u["suppressed"])
    response = client.post(url, {"unit": unit["code"], "text": "名次与实际不符", "contact": ""})
    assert response.status_code == 200
    objection = Objection.objects.get()
    assert objection.number.encode() in response.content
    assert objection.contact == "" and objection.unit.code == unit["code"] and objection.status == "received"
    status = client.get("/notices/objections/status/", {"number": objection.number.lower().replace("-", "")})
    assert status.status_code == 200 and "名次与实际不符".encode() not in status.content  # no need to show it again
    assert client.get("/notices/objections/status/", {"number": "AAAA-AAAA-AAAA"}).status_code == 404


def test_objection_form_is_rate_limited_per_client(client, current, settings):
    settings.MINPING_OBJECTIONS_LIMIT = 2
    url = f"/notices/objections/{current.campaign.slug}/"
    for i in range(2):
        assert client.post(url, {"text": f"异议{i}"}).status_code == 200
    assert client.post(url, {"text": "第三条"}).status_code == 429
    assert Objection.objects.count() == 2
    other = client.post(url, {"text": "另一个人"}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200 and Objection.objects.count() == 3


def test_objection_form_closes_after_the_period(client, published):
    # published on 2026-09-29, period until 2026-10-10: today is later than that.
    if dt.date.today() <= published.objection_deadline:
        pytest.skip("the test clock is before the end of the fixed period")
    assert client.get(f"/notices/objections/{published.campaign.slug}/").status_code == 410


def test_staff_preview_and_publish_pages(client, scored, staff, outsider):
    client.force_login(outsider)
    assert client.get("/notices/staff/").status_code == 403
    client.force_login(staff)
    assert client.get("/notices/staff/").status_code == 200
    html = client.get(f"/notices/staff/{scored.slug}/publicity/preview/")
    assert html.status_code == 200 and "结果的公示".encode() in html.content
    pdf = client.get(f"/notices/staff/{scored.slug}/publicity/preview.pdf")
    assert pdf.content.startswith(b"%PDF")
    published = client.post(f"/notices/staff/{scored.slug}/publicity/publish/", {"title": "", "body": ""})
    assert published.status_code == 302
    refused = client.post(f"/notices/staff/{scored.slug}/final/publish/", follow=True)
    assert b"runs until" in refused.content or "公示期".encode() in refused.content


def test_anonymous_staff_pages_ask_for_login(client, scored):
    assert client.get("/notices/staff/").status_code == 302
    assert client.post(f"/notices/staff/{scored.slug}/publicity/publish/").status_code == 302
