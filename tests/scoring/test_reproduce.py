"""The reproduction kit: `manage.py reproduce` writes the export and an R script; R's survey
package, run with Rscript, gives every group score and SE of the run (to 1e-6 / 1e-3).

A seeded demo city (its residents stratified by district and raked to district, age and sex; the
delegates a simple random sample with a finite population; the grassroots too), smaller than
`make demo` so that the test stays fast."""
import csv
import io
import math
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.models import ScoreRun
from scoring.services import score_run_create
from surveys.models import AuditEvent

pytestmark = pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (r-cran-survey) not installed")


@pytest.fixture
def demo_run(db):
    from surveys.demo import seed_demo

    result = seed_demo(ballots=1200, seed=14, base_url="http://testserver")
    return score_run_create(campaign=result.campaign, actor="tests")


def _kit(tmp_path, run: ScoreRun, group: str) -> list[dict]:
    out = tmp_path / f"{group}.csv"
    call_command("reproduce", run.campaign.slug, "--group", group, "--out", str(out), "--run", str(run.number),
                 stdout=io.StringIO())
    script = out.with_suffix(".R")
    assert script.exists() and out.with_name(f"{group}.codebook.csv").exists()
    done = subprocess.run(["Rscript", script.name], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def _number(text):
    return None if text in ("", "NA") else float(text)


def test_r_reproduces_every_group_score_and_se_of_the_run(tmp_path, demo_run):
    """One seeded demo, all three designs: raked with strata, SRS with a finite population (twice)."""
    promised = {group: _check_group(tmp_path, demo_run, group) for group in ("residents", "delegates", "grassroots")}
    # The demo's commitments (承诺事项): a street office's are rated by the residents alone (their
    # score is the group's estimate, compared in _check_group); a city organ's by the delegates and
    # the grassroots: R's two group estimates, composed with the campaign's weights as for a unit's
    # score (independent groups), give the run's score and SE.
    by_commitment = {}
    for group, rows in promised.items():
        for r in rows:
            if _number(r["estimate"]) is not None:
                by_commitment.setdefault(int(r["commitment"]), []).append((_group(demo_run, group)["weight"], r))
    composed = 0
    for commitment in demo_run.result["commitments"]:
        raters = by_commitment.get(commitment["id"], [])
        if len(raters) < 2:
            continue
        total = sum(weight for weight, _r in raters)
        score = sum(weight * _number(r["estimate"]) for weight, r in raters) / total
        se = math.sqrt(sum((weight / total * _number(r["se"])) ** 2 for weight, r in raters))
        assert score == pytest.approx(commitment["score"], abs=1e-6) and se == pytest.approx(commitment["se"], abs=1e-3)
        composed += 1
    alone = sum(1 for r in promised["residents"] if _number(r["minping_estimate"]) is not None)
    assert alone >= 10 and composed >= 10, (alone, composed)
    event = AuditEvent.objects.filter(action="ballots.export").latest("id")
    assert event.data["r_script"] is True and event.data["run"] == demo_run.number
    script = (tmp_path / "residents.R").read_text()
    assert "strata = ~`district`" in script and 'options(survey.lonely.psu = "adjust")' in script
    assert "design <- calibrate(design" in script and 'calfun = "raking"' in script
    assert "design <- rake(" not in script


def _check_group(tmp_path, run, group, minimum=10) -> list[dict]:
    """Compare R's units with the run's group estimates; return R's rows for the commitments."""
    rows = _kit(tmp_path, run, group)
    ours = {u["code"]: g for u in run.result["units"] for g in u["groups"] if g["key"] == group}
    assert {r["unit"] for r in rows} == set(ours)
    promised = [r for r in rows if r["commitment"] not in ("", "NA")]
    rows = [r for r in rows if r["commitment"] in ("", "NA")]
    compared = 0
    for r in rows:
        g = ours[r["unit"]]
        if g["score"] is None:
            assert _number(r["estimate"]) is None
            continue
        assert _number(r["estimate"]) == pytest.approx(g["score"], abs=1e-6), (group, r)
        assert _number(r["se"]) == pytest.approx(g["se"], abs=1e-3), (group, r)
        # The script prints our numbers too, and the differences.
        assert _number(r["minping_estimate"]) == pytest.approx(g["score"], rel=1e-15)
        assert abs(_number(r["diff_estimate"])) < 1e-6
        compared += 1
    assert compared >= minimum, group
    _check_commitments(run, group, promised)
    return promised


def _check_commitments(run, group, rows) -> None:
    """The commitments of the units this group rates: R's domain mean of their 兑现情况 grades, beside
    the run's score where this group alone rates the unit (the score is then the group's estimate)."""
    scored = {c["id"]: c for c in run.result.get("commitments") or []}
    raters = {}
    for spec in run.parameters["groups"]:
        for unit in spec["units"]:
            raters[unit] = raters.get(unit, 0) + 1
    alone = {c["id"] for c in run.parameters.get("commitments") or [] if raters[c["unit"]] == 1}
    assert {int(r["commitment"]) for r in rows} == {c["id"] for c in run.parameters.get("commitments") or []
                                                    if c["unit"] in _group(run, group)["units"]}
    for r in rows:
        mine = scored[int(r["commitment"])]
        if int(r["commitment"]) not in alone or mine["score"] is None:
            assert _number(r["minping_estimate"]) is None
            continue
        assert _number(r["estimate"]) == pytest.approx(mine["score"], abs=1e-6), (group, r)
        assert _number(r["se"]) == pytest.approx(mine["se"], abs=1e-3), (group, r)
        assert abs(_number(r["diff_estimate"])) < 1e-6


def _group(run, key):
    return next(g for g in run.parameters["groups"] if g["key"] == key)


def test_the_kit_is_refused_for_other_file_types_and_unknown_runs(tmp_path, open_campaign):
    slug = open_campaign.slug
    with pytest.raises(CommandError, match=".csv"):
        call_command("reproduce", slug, "--group", "residents", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="99"):
        call_command("reproduce", slug, "--group", "residents", "--out", str(tmp_path / "x.csv"), "--run", "99")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.R").exists()


@pytest.fixture
def poststratified_run(db):
    """Residents stratified by district and post-stratified by age; delegates unweighted without a
    population size (no fpc) — the two designs the demo city does not have."""
    import datetime as dt

    import numpy as np

    from surveys.ballots import AnswerIn, ballot_sheet
    from surveys.models import Campaign, EvaluatorGroup, Unit
    from surveys.services import campaign_set_status
    from tests.factories import CampaignFactory
    from tests.scoring.factories import _cast

    campaign = CampaignFactory.ready(min_ballots=5)
    EvaluatorGroup.objects.filter(campaign=campaign, key="residents").update(poststratify_by="age", rake_on=[])
    EvaluatorGroup.objects.filter(campaign=campaign, key="delegates").update(population_size=None)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    rng = np.random.default_rng(5)
    residents, delegates = campaign.groups.get(key="residents"), campaign.groups.get(key="delegates")
    offices = list(residents.units.order_by("code"))
    organs = list(Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code"))
    sheet = ballot_sheet(residents)
    for i in range(60):
        district = ("D1", "D2")[i % 2]
        answers = [AnswerIn("district", None, district), AnswerIn("age", None, ("18-34", "35-59", "60+")[i % 3]),
                   AnswerIn("sex", None, "FM"[rng.integers(2)])]
        rated = [u for u in offices if rng.random() < 0.8] or offices[:1]
        answers += [AnswerIn("overall", u.code, "54321"[rng.integers(5)]) for u in rated]
        _cast(sheet, answers, dt.date(2026, 3, 1))
    sheet = ballot_sheet(delegates)
    for _ in range(25):
        answers = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "35-59"), AnswerIn("sex", None, "M")]
        rated = [u for u in organs if rng.random() < 0.7] or organs[:1]
        answers += [AnswerIn("overall", u.code, "54321"[rng.integers(5)]) for u in rated]
        _cast(sheet, answers, dt.date(2026, 3, 1))
    return score_run_create(campaign=campaign, actor="tests")


def test_r_reproduces_poststratified_and_unweighted_groups(tmp_path, poststratified_run):
    groups = {g["key"]: g["variance"] for g in poststratified_run.result["groups"]}
    assert groups == {"residents": "poststratify", "delegates": "srs"}
    for group in groups:
        _check_group(tmp_path, poststratified_run, group, minimum=2)
    assert "design <- postStratify(design, ~`age`" in (tmp_path / "residents.R").read_text()
