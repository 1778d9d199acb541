"""Scored campaigns ready to publish, built on tests/scoring/factories.py (real ballots, real scoring)."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection

from scoring.services import score_run_create
from surveys.models import Campaign
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


def as_database_administrator(sql: str, params=()) -> None:
    """What the models and, on PostgreSQL, the notices' append-only trigger refuse, done anyway."""
    with append_only_triggers_off("publicity_notice"), connection.cursor() as cursor:
        cursor.execute(sql, params)
