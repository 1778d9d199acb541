"""A small open campaign with real ballots, written through `surveys.ballots.BallotBatch`.

Built on `CampaignFactory.ready()`: residents (stratified by district, raked to district, age and
sex) rate the two street offices and, for the composite, the first city organ too; delegates (a
population of 50, so fpc matters) rate the three organs. The third organ gets only a few ballots,
below `min_ballots`, so it must be suppressed.
"""
import datetime as dt

import numpy as np

from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, validate_answers
from surveys.models import Campaign, Unit
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory

GRADES = ("5", "4", "3", "2", "1")  # 100, 80, 60, 40, 0
MIN_BALLOTS = 10
RESIDENTS = 90
DELEGATES = 36
RARE_ORGAN_BALLOTS = 4


def _grade(rng, mean_index: float) -> str:
    return GRADES[int(np.clip(round(rng.normal(mean_index, 0.9)), 0, 4))]


def _cast(sheet, answers, day):
    batch = BallotBatch(sheet)
    batch.add(validate_answers(sheet, answers), channel="online", received_on=day)
    batch.write()


def scored_campaign_data(seed: int = 1) -> Campaign:
    """An open campaign with ballots for both groups (deterministic for a seed)."""
    campaign = CampaignFactory.ready(min_ballots=MIN_BALLOTS)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    rng = np.random.default_rng(seed)
    residents = campaign.groups.get(key="residents")
    delegates = campaign.groups.get(key="delegates")
    offices = list(Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE, evaluator_groups=residents).order_by("code"))
    organs = list(Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN, evaluator_groups=delegates).order_by("code"))
    residents.units.add(organs[0])
    day = dt.date(2026, 3, 1)

    sheet = ballot_sheet(residents)
    for i in range(RESIDENTS):
        district = "D1" if rng.random() < 0.5 else "D2"   # D2 (a third of the people) over-sampled
        age = ("18-34", "35-59", "60+")[rng.choice(3, p=[0.2, 0.4, 0.4])]
        answers = [AnswerIn("district", None, district), AnswerIn("age", None, age),
                   AnswerIn("sex", None, "F" if rng.random() < 0.55 else "M")]
        office = offices[0] if district == "D1" else offices[1]
        answers.append(AnswerIn("overall", office.code, _grade(rng, 1.0 + (age == "18-34"))))
        if rng.random() < 0.5:
            answers.append(AnswerIn("attitude", office.code, _grade(rng, 1.5)))
        if rng.random() < 0.6:
            answers.append(AnswerIn("overall", organs[0].code, _grade(rng, 2.0)))
        if i % 9 == 0:
            answers.append(AnswerIn("unit_comment", office.code, f"意见{i}"))
        _cast(sheet, answers, day)

    sheet = ballot_sheet(delegates)
    for i in range(DELEGATES):
        rated = organs[:2] + ([organs[2]] if i < RARE_ORGAN_BALLOTS else [])
        answers = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "35-59"), AnswerIn("sex", None, "M")]
        answers += [AnswerIn("overall", u.code, _grade(rng, 1.0 + k)) for k, u in enumerate(rated)]
        _cast(sheet, answers, day)
    return campaign
