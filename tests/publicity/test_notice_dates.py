"""A notice states what happened: the period the campaign actually ran, and only dates the records hold."""
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from publicity.selectors import evaluation_period
from publicity.services import notice_publish
from scoring.services import score_run_create
from surveys.models import Campaign
from surveys.services import campaign_set_status
from tests.scoring.factories import scored_campaign_data

from .factories import PUBLISHED_AT, SHANGHAI

pytestmark = pytest.mark.django_db
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")

SCHEDULED_OPEN = dt.datetime(2026, 9, 1, 8, 0, tzinfo=SHANGHAI)
SCHEDULED_CLOSE = dt.datetime(2026, 10, 31, 18, 0, tzinfo=SHANGHAI)   # after the day of publication
OPENED = dt.datetime(2026, 9, 1, 9, 30, tzinfo=SHANGHAI)
CLOSED_EARLY = dt.datetime(2026, 9, 20, 17, 0, tzinfo=SHANGHAI)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


def _dates(text: str) -> set[dt.date]:
    return {dt.date(int(y), int(m), int(d)) for y, m, d in DATE.findall(text)}


@pytest.fixture
def closed_early(db):
    """Scheduled for September and October, opened on 1 September, closed early on 20 September."""
    campaign = scored_campaign_data(seed=3)
    Campaign.objects.filter(pk=campaign.pk).update(opens_at=SCHEDULED_OPEN, closes_at=SCHEDULED_CLOSE,
                                                   opened_at=OPENED)
    campaign.refresh_from_db()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests", now=CLOSED_EARLY)
    score_run_create(campaign=campaign, actor="tests")
    campaign.refresh_from_db()
    return campaign


def test_a_campaign_closed_early_is_stated_with_its_real_period(closed_early):
    notice = notice_publish(campaign=closed_early, kind="publicity", actor="tests", now=PUBLISHED_AT)
    with notice.file.open("rb") as handle:
        text = _text(handle.read())
    assert "于2026年9月1日至2026年9月20日组织开展了" in text
    assert "2026年10月31日" not in text      # the scheduled close, which never happened
    # The objection period (from the day of issue) now starts after the stated end, as it must.
    assert notice.period_start > dt.date(2026, 9, 20)


def test_every_date_in_the_notice_is_one_the_records_hold(closed_early):
    notice = notice_publish(campaign=closed_early, kind="publicity", actor="tests", now=PUBLISHED_AT)
    with notice.file.open("rb") as handle:
        dates = _dates(_text(handle.read()))
    run = closed_early.score_runs.get()
    recorded = {OPENED.date(), CLOSED_EARLY.date(), timezone.localdate(run.created_at), notice.issued_on,
                notice.period_start, notice.objection_deadline}
    assert dates and dates <= recorded, dates - recorded
    assert {OPENED.date(), CLOSED_EARLY.date(), notice.issued_on, notice.objection_deadline} <= dates


def test_without_a_recorded_opening_the_notice_names_only_the_year(closed_early):
    Campaign.objects.filter(pk=closed_early.pk).update(opened_at=None)
    closed_early.refresh_from_db()
    assert evaluation_period(closed_early) is None
    notice = notice_publish(campaign=closed_early, kind="publicity", actor="tests", now=PUBLISHED_AT)
    assert f"于{closed_early.year}年组织开展了" in notice.body
    assert "2026年9月1日" not in notice.body


def test_ballots_count_from_the_scheduled_opening_and_stop_at_the_scheduled_closing(closed_early):
    late_schedule = closed_early
    late_schedule.opens_at = OPENED + dt.timedelta(days=2)           # opened before ballots were accepted
    late_schedule.closed_at = SCHEDULED_CLOSE + dt.timedelta(days=3)  # closed after ballots had stopped
    assert evaluation_period(late_schedule) == (dt.date(2026, 9, 3), dt.date(2026, 10, 31))
