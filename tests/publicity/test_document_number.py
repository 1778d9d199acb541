"""发文字号: one sequence per issuing organ and year, taken at publication, never used twice."""
import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from publicity.models import DocumentSeries, Notice
from publicity.selectors import document_number_preview
from publicity.services import notice_publish, notice_render
from surveys.models import AuditEvent

from .factories import AFTER_PERIOD, PUBLISHED_AT, SHANGHAI

pytestmark = pytest.mark.django_db
NEXT_YEAR = dt.datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI)


def _first_page(notice: Notice) -> str:
    with notice.file.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read())).pages[0].extract_text().replace(" ", "")


def test_numbers_run_per_organ_and_year_and_are_printed_under_the_organ_mark(published, settings):
    assert published.document_number == "民评办〔2026〕1号"
    final = notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)
    assert final.document_number == "民评办〔2026〕2号"
    page = _first_page(final)
    assert page.index(settings.MINPING_ISSUING_ORGAN) < page.index("民评办〔2026〕2号") < page.index(final.title)


def test_another_organ_has_its_own_sequence(published, settings):
    settings.MINPING_ISSUING_ORGAN = "民评市东城区评议办公室"
    settings.MINPING_DOCUMENT_PREFIX = "东评办"
    final = notice_publish(campaign=published.campaign, kind="final", actor="tests", now=AFTER_PERIOD)
    assert final.document_number == "东评办〔2026〕1号"
    assert DocumentSeries.objects.count() == 2


def test_a_new_year_starts_at_one_with_the_prefix_staff_set(published):
    series = published.series
    series.prefix = "民评委办"        # staff edit the prefix in the admin
    series.save()
    final = notice_publish(campaign=published.campaign, kind="final", actor="tests", now=NEXT_YEAR)
    assert final.document_number == "民评委办〔2027〕1号"
    published.refresh_from_db()
    assert published.document_number == "民评办〔2026〕1号"   # what was printed stays


def test_a_preview_shows_the_next_number_without_taking_it(scored):
    preview = notice_render(campaign=scored, kind="publicity", issued_on=PUBLISHED_AT.date(), pdf=False)
    assert preview.data.document_number == "民评办〔2026〕1号"
    assert not DocumentSeries.objects.exists() and not Notice.objects.exists()
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    assert notice.document_number == preview.data.document_number


def test_a_number_is_never_used_twice_even_when_the_service_is_bypassed(published):
    # Control for the constraint: a second notice claiming the same series, year and serial is refused.
    forged = {f.attname: getattr(published, f.attname) for f in Notice._meta.concrete_fields if f.attname != "id"}
    forged.update(sequence=2, sha256="f" * 64, previous_sha256=published.sha256, kind="final")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(**forged)
    forged["number_serial"] = published.number_serial + 1
    Notice.objects.create(**forged)   # the same row with a fresh serial is accepted: the constraint is the reason


def test_staff_set_the_prefix_in_the_admin_and_the_change_is_audited(admin_client, settings):
    response = admin_client.post("/admin/publicity/documentseries/add/",
                                 {"organ": settings.MINPING_ISSUING_ORGAN, "prefix": "民评委办"})
    assert response.status_code == 302
    series = DocumentSeries.objects.get()
    assert series.prefix == "民评委办"
    event = AuditEvent.objects.get(action="document_series.save")
    assert event.data == {"from": "", "to": "民评委办"}
    assert document_number_preview(settings.MINPING_ISSUING_ORGAN, 2026) == "民评委办〔2026〕1号"
