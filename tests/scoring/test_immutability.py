"""Score runs are snapshots: the ORM refuses to change them; frozen runs cannot be deleted."""
import pytest

from minping.lib.immutable import ImmutableRecordError
from scoring.models import ScoreRun, UnitScore
from scoring.services import ScoringRefused, score_run_create, score_run_freeze
from surveys.models import AuditEvent, Campaign
from surveys.services import campaign_set_status


@pytest.fixture
def run(open_campaign):
    campaign_set_status(campaign=open_campaign, status=Campaign.Status.CLOSED, actor="tests")
    return score_run_create(campaign=open_campaign, actor="tests")


def test_runs_and_unit_scores_cannot_be_edited(run):
    run.result = {}
    with pytest.raises(ImmutableRecordError):
        run.save()
    with pytest.raises(ImmutableRecordError):
        ScoreRun.objects.filter(pk=run.pk).update(input_digest="x")
    row = run.unit_scores.first()
    row.estimate = 1.0
    with pytest.raises(ImmutableRecordError):
        row.save()
    with pytest.raises(ImmutableRecordError):
        UnitScore.objects.filter(run=run).update(estimate=1.0)
    with pytest.raises(ImmutableRecordError):
        row.delete()


def test_frozen_run_cannot_be_deleted_but_an_unfrozen_one_can(run, staff):
    score_run_freeze(run=run, actor=staff)
    assert ScoreRun.objects.get(pk=run.pk).frozen
    assert AuditEvent.objects.filter(action="score_run.freeze").count() == 1
    with pytest.raises(ImmutableRecordError):
        run.delete()
    with pytest.raises(ImmutableRecordError):
        ScoreRun.objects.filter(pk=run.pk).delete()
    other = score_run_create(campaign=run.campaign, actor="tests")
    other.delete()
    assert not UnitScore.objects.filter(run_id=other.pk).exists() and UnitScore.objects.filter(run=run).exists()


def test_provisional_runs_cannot_be_frozen(open_campaign, staff):
    provisional = score_run_create(campaign=open_campaign, actor="tests")
    with pytest.raises(ScoringRefused):
        score_run_freeze(run=provisional, actor=staff)
    assert not ScoreRun.objects.get(pk=provisional.pk).frozen
