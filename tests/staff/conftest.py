"""A running campaign whose turnout is known by construction (see `running`)."""
import datetime as dt

import pytest
from django.utils import timezone

from surveys.ballots import AnswerIn, BallotBatch, ballot_cast, ballot_sheet, invitation_for_code, validate_answers
from surveys.models import Campaign
from surveys.services import campaign_set_status, invitations_issue
from tests.factories import CampaignFactory

MIN_BALLOTS = 3


def profile(district: str) -> list[AnswerIn]:
    return [AnswerIn("district", None, district), AnswerIn("age", None, "35-59"), AnswerIn("sex", None, "F")]


def paper_ballots(group, answers: list[AnswerIn], count: int, day: dt.date) -> None:
    sheet = ballot_sheet(group)
    batch = BallotBatch(sheet)
    for _ in range(count):
        batch.add(validate_answers(sheet, answers), channel="paper", received_on=day)
    batch.write()


def cast_online(group, code: str, units) -> None:
    """One ballot cast with an invitation code, as the ballot page does: it stays pending until settled."""
    answers = profile("D1") + [AnswerIn("overall", unit.code, "4") for unit in units]
    ballot_cast(sheet=ballot_sheet(group), answers=answers, channel="online", invitation=invitation_for_code(code))


@pytest.fixture
def running(db):
    """An open campaign (CampaignFactory.ready, minimum 3 ballots per unit):

    - residents (population 300 000; stratified and raked by district: D1 200 000, D2 100 000; no
      invitations): 4 paper ballots from D1 two days ago, 2 from D2 today, each rating its district's office;
    - delegates (population 50): 10 invitations issued, 3 used online today (pending, not settled),
      each rating the first two city organs.
    """
    campaign = CampaignFactory.ready(slug="running", title="运行中的评议", min_ballots=MIN_BALLOTS)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    residents = campaign.groups.get(key="residents")
    delegates = campaign.groups.get(key="delegates")
    office_d1 = residents.units.get(region__code="D1")
    office_d2 = residents.units.get(region__code="D2")
    today = timezone.localdate()
    paper_ballots(residents, profile("D1") + [AnswerIn("overall", office_d1.code, "5")], 4, today - dt.timedelta(days=2))
    paper_ballots(residents, profile("D2") + [AnswerIn("overall", office_d2.code, "3")], 2, today)
    organs = list(delegates.units.order_by("code"))
    codes = invitations_issue(group=delegates, count=10, actor="tests")
    for code in codes[:3]:
        cast_online(delegates, code, organs[:2])
    campaign.spare_codes = codes[3:]
    campaign.offices = (office_d1, office_d2)
    campaign.organs = organs
    return campaign

