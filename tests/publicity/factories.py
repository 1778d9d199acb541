"""Scored campaigns ready to publish, built on tests/scoring/factories.py (real ballots, real scoring)."""
import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection

from scoring.services import score_run_create
from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, validate_answers
from surveys.models import Campaign, Unit
from surveys.services import campaign_set_status
from tests.record import append_only_triggers_off
from tests.scoring.factories import scored_campaign_data

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday before 国庆 2026: five working days are 29 and 30 September, then 8, 9 and 10 October
# (10 October is a Saturday worked in exchange for the holiday).
PUBLISHED_AT = dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)
DEADLINE = dt.date(2026, 10, 10)
AFTER_PERIOD = dt.datetime(2026, 10, 11, 9, 0, tzinfo=SHANGHAI)


def scored_campaign(seed: int = 1, **fields) -> Campaign:
    """A closed and scored campaign (one non-provisional run)."""
    campaign = scored_campaign_data(seed)
    if fields:
        Campaign.objects.filter(pk=campaign.pk).update(**fields)
        campaign.refresh_from_db()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    score_run_create(campaign=campaign, actor="tests")
    campaign.refresh_from_db()
    return campaign


def scored_campaign_rating(unit: Unit, *, seed: int, year: int, ballots: int = 30) -> Campaign:
    """A scored campaign of `year` whose residents also rate `unit` (a unit of an earlier campaign:
    each factory campaign makes its own), with `ballots` more real ballots for it."""
    campaign = scored_campaign_data(seed)
    Campaign.objects.filter(pk=campaign.pk).update(year=year)
    campaign.refresh_from_db()
    residents = campaign.groups.get(key="residents")
    residents.units.add(unit)
    sheet = ballot_sheet(residents)
    rng = np.random.default_rng(seed)
    batch = BallotBatch(sheet)
    for i in range(ballots):
        answers = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "35-59"),
                   AnswerIn("sex", None, "MF"[i % 2]), AnswerIn("overall", unit.code, "543"[rng.integers(0, 3)])]
        batch.add(validate_answers(sheet, answers), channel="online", received_on=dt.date(2026, 3, 1))
    batch.write()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    score_run_create(campaign=campaign, actor="tests")
    return campaign


def as_database_administrator(sql: str, params=()) -> None:
    """What the models and, on PostgreSQL, the notices' append-only trigger refuse, done anyway."""
    with append_only_triggers_off("publicity_notice"), connection.cursor() as cursor:
        cursor.execute(sql, params)
