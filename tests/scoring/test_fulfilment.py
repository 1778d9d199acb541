"""Commitment fulfilment (兑现情况) scores: per group, the library's respondent-level `mean` on the same
ballots under the group's design (raked with strata; fpc); across groups, the composite formula.
The answers go in through the ballot's validation and BallotBatch, as every channel writes them."""
import math

import numpy as np
import pytest

from scoring.services import score_run_verify
from scoring.stats import Design, mean
from surveys.models import Answer, Ballot, CensusMargin, Unit
from tests.scoring.fulfilment_data import campaign_with_commitments

REL = 1e-9
def _close(a, b, rel=REL):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


@pytest.fixture
def scored(db):
    return campaign_with_commitments()


def _margins(campaign, variable):
    return dict(CensusMargin.objects.filter(campaign=campaign, variable=variable).values_list("level", "population"))


def _group_estimate(campaign, group, commitment):
    """The library's `mean` on the group's ballots one by one: the commitment's grades as y, the
    ballots that graded it (不了解 not) as the domain."""
    ballots = list(Ballot.objects.filter(group=group).order_by("id").values_list("id", "profile"))
    grades = dict(Answer.objects.filter(ballot__group=group, commitment=commitment, option__score__isnull=False)
                  .values_list("ballot_id", "option__score"))
    y = np.array([float(grades[b]) if b in grades else np.nan for b, _ in ballots])
    if group.key == "residents":
        district = [p["district"] for _, p in ballots]
        census = _margins(campaign, "district")
        design = Design(strata=district, fpc=[census[d] for d in district], lonely_psu="adjust").rake(
            {v: ([p[v] for _, p in ballots], _margins(campaign, v)) for v in ("district", "age", "sex")})
    else:
        design = Design(fpc=[group.population_size] * len(ballots))
    return mean(y, design, domain=~np.isnan(y), level=0.95)


def test_each_commitment_score_equals_the_library_mean_and_the_composite_formula(scored):
    campaign, commitments, run = scored
    residents, delegates = campaign.groups.get(key="residents"), campaign.groups.get(key="delegates")
    entries = {e["id"]: e for e in run.result["commitments"]}
    assert set(entries) == {c.pk for c in commitments.values()}
    organ_code = delegates.units.order_by("code").first().code
    for code, commitment in commitments.items():
        entry = entries[commitment.pk]
        assert entry["unit"] == code and entry["text"] == commitment.text
        if code != organ_code:   # rated by the residents only: their estimate is the score
            expected = _group_estimate(campaign, residents, commitment)
            assert entry["n"] == expected.n > 20
            assert _close(entry["score"], expected.value) and _close(entry["se"], expected.se)
            assert _close(entry["ci"][0], expected.ci_low) and _close(entry["ci"][1], expected.ci_high)
            continue
        r, d = _group_estimate(campaign, residents, commitment), _group_estimate(campaign, delegates, commitment)
        assert entry["n"] == r.n + d.n
        assert _close(entry["score"], 0.6 * r.value + 0.4 * d.value)
        assert _close(entry["se"], math.sqrt(0.36 * r.se ** 2 + 0.16 * d.se ** 2))
        assert _close(entry["ci"][1] - entry["score"], 1.959963984540054 * entry["se"], rel=1e-6)
    assert not any(e["suppressed"] for e in entries.values())


def test_dont_know_is_not_a_vote_and_the_unit_score_ignores_commitments(scored):
    campaign, commitments, run = scored
    office = Unit.objects.get(code=next(iter(commitments)))
    commitment = commitments[office.code]
    answered = Answer.objects.filter(commitment=commitment)
    assert answered.filter(option__score__isnull=True).exists()   # some 不了解
    entry = next(e for e in run.result["commitments"] if e["id"] == commitment.pk)
    assert entry["n"] == answered.filter(option__score__isnull=False).count()
    unit = next(u for u in run.result["units"] if u["code"] == office.code)
    assert unit["n"] == Answer.objects.filter(unit=office, question__key="overall", commitment__isnull=True,
                                              option__score__isnull=False).count()


def test_a_stored_run_with_commitments_verifies_and_covers_their_answers(scored):
    campaign, commitments, run = scored
    assert score_run_verify(run=run) == []
    assert run.parameters["commitments"] and len(run.result["commitments"]) == 3
