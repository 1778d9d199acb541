"""Two staff members scoring one campaign at once get runs 1 and 2, never two runs numbered alike."""
import pytest
from django.db import IntegrityError

import scoring.services
from scoring.models import ScoreRun
from scoring.services import score_run_create
from surveys.models import Campaign
from tests.races import pause_in, race, without_row_locks

from .factories import scored_campaign_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign():
    return Campaign.objects.get(pk=scored_campaign_data(1).pk)


def score_twice(monkeypatch, campaign) -> list:
    # Paused after the run number's inputs are read and before it is taken.
    pause_in(monkeypatch, scoring.services, "_evaluate")
    return race(lambda: score_run_create(campaign=Campaign.objects.get(pk=campaign.pk), actor="tests"))


def test_concurrent_scorings_number_their_runs_one_after_the_other(monkeypatch, campaign):
    outcomes = score_twice(monkeypatch, campaign)
    assert [type(o) for o in outcomes] == [ScoreRun, ScoreRun]
    assert sorted(ScoreRun.objects.filter(campaign=campaign).values_list("number", flat=True)) == [1, 2]


def test_control_without_the_campaign_lock_both_take_the_same_number(monkeypatch, campaign):
    with without_row_locks(monkeypatch):
        outcomes = score_twice(monkeypatch, campaign)
    assert any(isinstance(o, IntegrityError) for o in outcomes), outcomes
    assert ScoreRun.objects.filter(campaign=campaign).count() == 1
