"""The database/cell path gives what the respondent-level library computes on the ballots one by one,
and the composite follows the issue's formula."""
import math

import numpy as np
import pytest
from django.db import connection

from scoring.services import score_run_create
from scoring.stats import Design, mean, proportion
from surveys.ballots import cell_ids
from surveys.models import Ballot, BallotUnitScore, CensusMargin, Unit
from tests.record import append_only_triggers_off

REL = 1e-9


def _close(a, b, rel=REL):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _respondents(group):
    """Ballots fetched individually: profile per ballot, score per (ballot, unit)."""
    ballots = list(Ballot.objects.filter(group=group).order_by("id").values_list("id", "profile"))
    scores = {(b, u): s for b, u, s in BallotUnitScore.objects.filter(group=group).values_list("ballot_id", "unit_id", "score")}
    return ballots, scores


def _margins(campaign, variable):
    return dict(CensusMargin.objects.filter(campaign=campaign, variable=variable).values_list("level", "population"))


def _residents_design(campaign, ballots):
    district = [p["district"] for _, p in ballots]
    census = _margins(campaign, "district")
    design = Design(strata=district, fpc=[census[d] for d in district])
    return design.rake({v: ([p[v] for _, p in ballots], _margins(campaign, v)) for v in ("district", "age", "sex")})


def _unit_entry(run, unit):
    return next(u for u in run.result["units"] if u["code"] == unit.code)


def _group_entry(entry, key):
    return next(g for g in entry["groups"] if g["key"] == key)


def _domain(ballots, scores, unit):
    y = np.array([scores.get((b, unit.id), np.nan) for b, _ in ballots])
    return y, ~np.isnan(y)


def test_stratified_raked_group_equals_respondent_level_path(open_campaign):
    run = score_run_create(campaign=open_campaign, actor="tests")
    residents = open_campaign.groups.get(key="residents")
    ballots, scores = _respondents(residents)
    design = _residents_design(open_campaign, ballots)
    threshold = float(open_campaign.satisfied_threshold)
    for unit in residents.units.all():
        y, rated = _domain(ballots, scores, unit)
        expected = mean(y, design, domain=rated, level=0.95)
        got = _group_entry(_unit_entry(run, unit), "residents")
        assert got["n"] == expected.n == rated.sum()
        for field, value in (("score", expected.value), ("se", expected.se), ("ci_low", expected.ci_low),
                             ("ci_high", expected.ci_high), ("ess", expected.ess)):
            assert _close(got[field], value), (unit.code, field, got[field], value)
    # Units rated by residents only: the unit's share satisfied is the group's svyciprop (logit).
    office = residents.units.filter(kind=Unit.Kind.STREET_OFFICE).first()
    y, rated = _domain(ballots, scores, office)
    share = proportion(np.where(rated, y >= threshold, 0), design, domain=rated, method="logit")
    got = _unit_entry(run, office)["satisfied"]
    assert _close(got["value"], share.value) and _close(got["ci_low"], share.ci_low)
    assert _close(got["ci_high"], share.ci_high)
    group = next(g for g in run.result["groups"] if g["key"] == "residents")
    assert group["n"] == len(ballots)
    assert _close(group["ess"], design.weights.sum() ** 2 / (design.weights ** 2).sum())


def test_fpc_group_equals_respondent_level_path(open_campaign):
    run = score_run_create(campaign=open_campaign, actor="tests")
    delegates = open_campaign.groups.get(key="delegates")
    ballots, scores = _respondents(delegates)
    design = Design(fpc=[delegates.population_size] * len(ballots))
    organ = delegates.units.order_by("code")[1]  # rated by delegates only
    y, rated = _domain(ballots, scores, organ)
    expected = mean(y, design, domain=rated)
    entry = _unit_entry(run, organ)
    assert _close(entry["score"], expected.value) and _close(entry["se"], expected.se)
    # A census-like group: the fpc shrinks the SE below the with-replacement one.
    assert entry["se"] < mean(y, Design(weights=np.ones(len(ballots))), domain=rated).se


def test_composite_is_renormalised_weighted_mean_with_independent_variances(open_campaign):
    run = score_run_create(campaign=open_campaign, actor="tests")
    organ = Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code").first()
    entry = _unit_entry(run, organ)
    r, d = _group_entry(entry, "residents"), _group_entry(entry, "delegates")
    w_r, w_d = 0.6, 0.4
    assert _close(entry["score"], (w_r * r["score"] + w_d * d["score"]) / (w_r + w_d))
    assert _close(entry["se"], math.sqrt((w_r / 1.0) ** 2 * r["se"] ** 2 + (w_d / 1.0) ** 2 * d["se"] ** 2))
    assert _close(entry["ci_high"] - entry["score"], 1.959963984540054 * entry["se"], rel=1e-6)
    assert entry["n"] == r["n"] + d["n"]
    # A unit rated by one group only: weights renormalise, the composite is that group's score.
    other = Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code")[1]
    single = _unit_entry(run, other)
    assert single["score"] == _group_entry(single, "delegates")["score"]
    assert single["se"] == _group_entry(single, "delegates")["se"]


def test_units_below_min_ballots_are_listed_but_not_ranked_or_graded(open_campaign):
    run = score_run_create(campaign=open_campaign, actor="tests")
    organs = {u["code"]: u for u in run.result["units"] if u["kind"] == "city_organ"}
    rare = organs[Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code")[2].code]
    assert rare["suppressed"] and rare["n"] == 4
    assert rare["rank"] is None and rare["grade"] is None and rare["rank_low"] is None
    ranked = [u for u in organs.values() if not u["suppressed"]]
    assert sorted(u["rank"] for u in ranked) == [1, 2]
    assert all(u["grade"] for u in ranked)
    # The unit scores table says the same.
    rows = run.unit_scores.filter(unit__code=rare["code"])
    assert rows.count() == 2 and all(r.suppressed and r.rank is None for r in rows)


@pytest.mark.parametrize("bands,expected", [([[0, "唯一"]], "唯一"), ([[101 - 1e-9, "高"], [0, "低"]], "低")])
def test_grade_bands_come_from_the_campaign(open_campaign, bands, expected):
    open_campaign.grade_bands = bands
    open_campaign.save()
    run = score_run_create(campaign=open_campaign, actor="tests")
    assert {u["grade"] for u in run.result["units"] if not u["suppressed"]} == {expected}


@pytest.mark.parametrize("group,stale", [("residents", "D1"), ("delegates", "D1")])
def test_score_rows_whose_cells_another_design_gave_are_refused(open_campaign, group, stale):
    """Cells are stored at write time; keys the current design would not give are never mixed in."""
    from scoring.models import ScoreRun
    from scoring.services import ScoringError

    row = BallotUnitScore.objects.filter(group__key=group).order_by("pk").first()
    with append_only_triggers_off("surveys_ballotunitscore"), connection.cursor() as cursor:
        cursor.execute("UPDATE surveys_ballotunitscore SET cell_id = %s WHERE id = %s",
                       [cell_ids(row.group_id, [stale])[stale], row.pk])
    with pytest.raises(ScoringError, match=group):
        score_run_create(campaign=open_campaign, actor="tests")
    assert not ScoreRun.objects.exists()
