"""The typed run result (`scoring.results`) is an exact view over the stored JSON: new runs and runs
as the first method version (minping-1) stored them read back unchanged, with one kind order."""
import dataclasses
import json

import pytest

from publicity import document
from scoring.models import ScoreRun
from scoring.results import KIND_ORDER, RunResult, UnitResult
from tests.publicity.factories import scored_campaign

pytestmark = pytest.mark.django_db


def _text(data: dict) -> str:
    """JSON text that tells 1 from 1.0 and None from a missing key (== on dicts does neither)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _old_group_score(key: str, n: int, score: float | None) -> dict:
    return {"key": key, "weight": 1.0, "n": n, "ess": None if score is None else n * 0.9, "score": score,
            "se": None if score is None else 1.5, "ci_low": None if score is None else score - 2.9,
            "ci_high": None if score is None else score + 2.9}


def _old_unit(code: str, kind: str, rank: int | None, score: float | None) -> dict:
    """A unit as minping-1 (scoring/compute.py before issue 14) wrote it: no ess, no printed
    (`published`) score, no grade range, and a share without its method."""
    return {"code": code, "name": f"单位{code}", "kind": kind, "n": 40 if score is not None else 3,
            "score": score, "se": None if score is None else 1.5,
            "ci_low": None if score is None else score - 2.9, "ci_high": None if score is None else score + 2.9,
            "grade": None if rank is None else "比较满意",
            "satisfied": {"value": None if score is None else 0.8, "ci_low": None if score is None else 0.7,
                          "ci_high": None if score is None else 0.88},
            "rank": rank, "rank_low": rank, "rank_high": None if rank is None else rank + 1,
            "suppressed": rank is None, "groups": [_old_group_score("residents", 40 if score else 3, score)]}


MINPING_1_RESULT = {
    "campaign": "old-2025", "run": 3, "method": "minping-1", "level": 0.95,
    "groups": [{"key": "residents", "weight": 1.0, "n": 123, "ess": 101.5,
                "design": {"strata": "district", "fpc": {"D1": 1000, "D2": 800}, "poststratify": None, "rake": None}}],
    "units": [_old_unit("SO-1", "street_office", 1, 84.25), _old_unit("SO-2", "street_office", 2, 80),
              _old_unit("SO-3", "street_office", None, None), _old_unit("CM-1", "community", 1, 71.5),
              _old_unit("W-1", "window", 1, 90.0)],
}


def test_a_new_runs_stored_json_reads_back_exactly(db):
    run = ScoreRun.objects.get(campaign=scored_campaign())     # as the database returns it (jsonb on PostgreSQL)
    typed = RunResult.from_json(run.result)
    assert _text(typed.to_json()) == _text(run.result)
    # This version writes every key; "commitments" only for a campaign with approved commitments.
    assert typed.absent == {"commitments"} and typed.commitments is None and all(not u.absent for u in typed.units)
    assert [u.code for u in typed.units] == [u["code"] for u in run.result["units"]]
    first = run.result["units"][0]
    assert (typed.units[0].published.score, typed.units[0].satisfied.method) == \
        (first["published"]["score"], first["satisfied"]["method"])


def test_a_run_as_minping_1_stored_it_loads_and_reads_back_exactly():
    typed = RunResult.from_json(MINPING_1_RESULT)
    assert _text(typed.to_json()) == _text(MINPING_1_RESULT)
    unit = typed.units[0]
    assert (unit.code, unit.score, unit.rank, unit.groups[0].n) == ("SO-1", 84.25, 1, 40)
    # Keys minping-1 did not write read as None and stay out of the JSON.
    assert unit.published is None and unit.ess is None and unit.satisfied.method is None
    assert typed.methods is None and typed.groups[0].variance is None
    assert {"published", "ess", "grade_low", "grade_high"} <= unit.absent


def test_an_old_run_in_the_database_loads_through_the_model():
    campaign = scored_campaign()
    ScoreRun.objects.create(campaign=campaign, number=99, method="minping-1", input_digest="0" * 64,
                            created_by_label="tests", result=MINPING_1_RESULT)
    old = ScoreRun.objects.get(campaign=campaign, number=99).outcome
    assert _text(old.to_json()) == _text(MINPING_1_RESULT)
    assert [(kind, [u.code for u in units]) for kind, units in old.units_by_kind()] == [
        ("street_office", ["SO-1", "SO-2", "SO-3"]), ("community", ["CM-1"]), ("window", ["W-1"])]


def test_the_notices_results_json_is_the_stored_json():
    text = document.result_json_text(RunResult.from_json(MINPING_1_RESULT))
    assert json.loads(text) == MINPING_1_RESULT and text == json.dumps(
        MINPING_1_RESULT, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)


def test_commitments_read_typed_and_back_exactly():
    stored = {**MINPING_1_RESULT, "commitments": [
        {"id": 7, "unit": "SO-1", "text": "三个工作日办结", "score": 81.5, "ci": [78.25, 84.75], "se": 1.66, "n": 52,
         "suppressed": False},
        {"id": 8, "unit": "SO-3", "text": "", "score": None, "ci": [None, None], "se": None, "n": 2, "suppressed": True}]}
    typed = RunResult.from_json(stored)
    assert _text(typed.to_json()) == _text(stored)
    first, second = typed.commitments
    assert (first.id, first.unit, first.ci_low, first.ci_high, first.n) == (7, "SO-1", 78.25, 84.75, 52)
    assert second.suppressed and second.score is None and second.ci_low is None


def test_keys_this_version_does_not_know_are_kept():
    future = {**MINPING_1_RESULT, "seed": 7,
              "units": [{**MINPING_1_RESULT["units"][0], "note": {"a": 1}}, *MINPING_1_RESULT["units"][1:]]}
    assert _text(RunResult.from_json(future).to_json()) == _text(future)


def test_units_by_kind_follow_the_one_kind_order_and_keep_the_stored_order_within_a_kind():
    units = [_old_unit("X-1", "planet", None, None), _old_unit("W-2", "window", 2, 80.0),
             _old_unit("CO-1", "city_organ", 1, 90.0), _old_unit("W-1", "window", 1, 85.0),
             _old_unit("SO-1", "street_office", 1, 70.0), _old_unit("OT-1", "other", 1, 60.0),
             _old_unit("CM-1", "community", 1, 75.0)]
    grouped = RunResult.from_json({**MINPING_1_RESULT, "units": units}).units_by_kind()
    assert [(kind, [u.code for u in members]) for kind, members in grouped] == [
        ("street_office", ["SO-1"]), ("community", ["CM-1"]), ("window", ["W-2", "W-1"]),
        ("city_organ", ["CO-1"]), ("other", ["OT-1"]), ("planet", ["X-1"])]
    assert KIND_ORDER == ("street_office", "community", "window", "city_organ", "other")


@pytest.mark.parametrize("low,high,borderline", [("基本满意", "比较满意", True), ("比较满意", "比较满意", False),
                                                 (None, None, False)])
def test_a_unit_is_borderline_when_its_printed_interval_spans_two_grades(low, high, borderline):
    unit = UnitResult.from_json({**_old_unit("SO-1", "street_office", 1, 80.0), "grade_low": low, "grade_high": high})
    assert unit.borderline is borderline


def test_only_units_with_enough_ballots_and_a_rank_are_ranked():
    ranked, suppressed = (UnitResult.from_json(_old_unit("A", "window", r, s)) for r, s in ((1, 80.0), (None, None)))
    assert ranked.ranked and not suppressed.ranked
    unranked = UnitResult.from_json({**_old_unit("B", "window", 1, 80.0), "rank": None})
    assert not unranked.ranked


def test_the_view_cannot_be_changed():
    typed = RunResult.from_json(MINPING_1_RESULT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        typed.units[0].score = 100.0
    assert isinstance(typed.units, tuple)
