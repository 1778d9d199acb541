"""Commitment fulfilment (兑现情况) scores: per group, the library's respondent-level `mean` on the same
ballots under the group's design (raked with strata; fpc); across groups, the composite formula.
The answers go in through the ballot's validation and BallotBatch, as every channel writes them."""
import datetime as dt
import math

import numpy as np
import pytest

from scoring.services import score_run_create, score_run_verify
from scoring.stats import Design, mean
from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, validate_answers
from surveys.commitments import commitment_approve, commitment_create, commitment_submit
from surveys.models import Answer, Ballot, Campaign, CensusMargin, Unit
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory

REL = 1e-9
GRADES = ("5", "4", "3", "2", "1", "dk")


def _close(a, b, rel=REL):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _approved(campaign, unit, text):
    c = commitment_create(campaign=campaign, unit=unit, text=text, actor="tests")
    commitment_submit(commitment=c, actor="tests")
    return commitment_approve(commitment=c, actor="tests")


@pytest.fixture
def scored(db):
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
