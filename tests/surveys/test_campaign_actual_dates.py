"""The status service records when a campaign actually opened and closed (the period notices state)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from surveys.models import Campaign
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Campaign.Status


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 9, day, hour, tzinfo=SHANGHAI)


def test_opening_records_the_first_opening_and_closing_the_last_closing():
    campaign = CampaignFactory.ready()
    assert (campaign.opened_at, campaign.closed_at) == (None, None)
    campaign_set_status(campaign=campaign, status=Status.OPEN, actor="tests", now=_at(1))
    campaign_set_status(campaign=campaign, status=Status.CLOSED, actor="tests", now=_at(10))
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.opened_at, stored.closed_at) == (_at(1), _at(10))

    # Reopened (the period is extended) and closed again: the period runs from the first opening
    # to the last closing.
    campaign_set_status(campaign=campaign, status=Status.OPEN, actor="tests", now=_at(12))
    campaign_set_status(campaign=campaign, status=Status.CLOSED, actor="tests", now=_at(15))
    stored.refresh_from_db()
    assert (stored.opened_at, stored.closed_at) == (_at(1), _at(15))
    assert (campaign.opened_at, campaign.closed_at) == (_at(1), _at(15))  # the caller's object follows


def test_a_refused_transition_records_no_time():
    campaign = CampaignFactory.ready()
    with pytest.raises(Exception):  # noqa: B017 — any refusal; the point is what stays unwritten
        campaign_set_status(campaign=campaign, status=Status.CLOSED, actor="tests", now=_at(3))
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.status, stored.opened_at, stored.closed_at) == (Status.DRAFT, None, None)
