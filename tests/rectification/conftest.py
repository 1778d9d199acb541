"""Cases on hand-built score runs (the run JSON as `scoring.compute` writes it) and on a real
published campaign (tests/publicity/factories.py)."""
import datetime as dt

import pytest
from django.utils import translation

from scoring.models import ScoreRun
from surveys.models import Campaign, Unit
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory, UnitFactory

# A Monday with fifteen plain working days after it (no holiday, no adjusted weekend in between).
PLAIN_DAY = dt.date(2026, 6, 1)


def unit_entry(unit: Unit, *, score: float, rank: int | None, rank_low: int | None, rank_high: int | None,
               satisfied: float = 0.9, grade: str = "满意", suppressed: bool = False) -> dict:
    """One unit as a run's result lists it (the fields `cases_open_from_run` reads, and the rest)."""
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "n": 120, "score": score, "se": 2.0,
            "ci_low": score - 4, "ci_high": score + 4, "grade": grade, "suppressed": suppressed,
            "satisfied": {"value": satisfied, "ci_low": satisfied - 0.05, "ci_high": min(1, satisfied + 0.05),
                          "method": "logit"},
            "published": {"score": score, "ci_low": score - 4, "ci_high": score + 4},
            "rank": rank, "rank_low": rank_low, "rank_high": rank_high, "groups": []}


def closed_campaign(**fields) -> Campaign:
    campaign = CampaignFactory.ready(**fields)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    return campaign


def build_run(campaign: Campaign, entries: list[dict], commitments: list[dict] | None = None) -> ScoreRun:
    number = (campaign.score_runs.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    result = {"method": "minping-2", "level": 0.95, "units": entries}
    if commitments is not None:
        result["commitments"] = commitments
    return ScoreRun.objects.create(campaign=campaign, number=number, input_digest="0" * 64, result=result,
                                   created_by_label="tests")


def organs(campaign: Campaign, count: int) -> list[Unit]:
    """`count` city organs rated by the campaign's delegates."""
    delegates = campaign.groups.get(key="delegates")
    units = list(delegates.units.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code"))
    while len(units) < count:
        unit = UnitFactory(kind=Unit.Kind.CITY_ORGAN)
        delegates.units.add(unit)
        units.append(unit)
    return units[:count]


@pytest.fixture
def closed(db):
    return closed_campaign()


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English here (zh-hans is the default; tests/test_i18n.py checks the catalogue)."""
    with translation.override("en"):
        yield
