"""A closed, scored campaign whose units made commitments that its ballots graded (兑现情况)."""
import datetime as dt

import numpy as np

from scoring.services import score_run_create
from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, validate_answers
from surveys.commitments import commitment_approve, commitment_create, commitment_submit
from surveys.models import Campaign
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory

GRADES = ("5", "4", "3", "2", "1", "dk")


def _approved(campaign, unit, text):
    c = commitment_create(campaign=campaign, unit=unit, text=text, actor="tests")
    commitment_submit(commitment=c, actor="tests")
    return commitment_approve(commitment=c, actor="tests")


def campaign_with_commitments():
    """Residents rate the two offices and the first organ, delegates the organs; each of those three
    units has a commitment, and ballots grade some of them (不了解 sometimes)."""
    campaign = CampaignFactory.ready(min_ballots=10)
    residents, delegates = campaign.groups.get(key="residents"), campaign.groups.get(key="delegates")
    offices = list(residents.units.order_by("code"))
    organ = delegates.units.order_by("code").first()
    residents.units.add(organ)
    commitments = {u.code: _approved(campaign, u, f"{u.name}的承诺") for u in [*offices, organ]}
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    rng = np.random.default_rng(7)
    day = dt.date(2026, 3, 1)
    for group, count in ((residents, 80), (delegates, 30)):
        sheet = ballot_sheet(group)
        batch = BallotBatch(sheet)
        for _ in range(count):
            district = "D1" if rng.random() < 0.5 else "D2"
            answers = [AnswerIn("district", None, district),
                       AnswerIn("age", None, ("18-34", "35-59", "60+")[rng.integers(3)]),
                       AnswerIn("sex", None, "F" if rng.random() < 0.5 else "M")]
            for k, unit in enumerate(sheet.units):
                if k == 0 or rng.random() < 0.8:   # every ballot rates a unit
                    answers.append(AnswerIn("overall", unit.code, GRADES[rng.integers(5)]))
                commitment = commitments.get(unit.code)
                if commitment is not None and rng.random() < 0.7:
                    # Older people grade this commitment lower: the raking matters.
                    grade = GRADES[min(5, rng.integers(4) + (2 if answers[1].value == "60+" else 0))]
                    answers.append(AnswerIn(f"commitment:{commitment.pk}", None, grade))
            batch.add(validate_answers(sheet, answers), channel="online", received_on=day)
        batch.write()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    return campaign, commitments, score_run_create(campaign=campaign, actor="tests")
