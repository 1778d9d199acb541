"""The reproduction kit: `manage.py reproduce` writes the export and an R script; R's survey
package, run with Rscript, gives every group score and SE of the run (to 1e-6 / 1e-3).

A seeded demo city (its residents stratified by district and raked to district, age and sex; the
delegates a simple random sample with a finite population; the grassroots too), smaller than
`make demo` so that the test stays fast."""
import csv
import io
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
    for group in ("residents", "delegates", "grassroots"):
        _check_group(tmp_path, demo_run, group)
    event = AuditEvent.objects.filter(action="ballots.export").latest("id")
    assert event.data["r_script"] is True and event.data["run"] == demo_run.number
    script = (tmp_path / "residents.R").read_text()
    assert "strata = ~`district`" in script and 'options(survey.lonely.psu = "adjust")' in script
    assert "design <- calibrate(design" in script and 'calfun = "raking"' in script
    assert "design <- rake(" not in script


def _check_group(tmp_path, run, group):
    rows = _kit(tmp_path, run, group)
    ours = {u["code"]: g for u in run.result["units"] for g in u["groups"] if g["key"] == group}
    assert {r["unit"] for r in rows} == set(ours)
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
    assert compared >= 10, group


def test_the_kit_is_refused_for_other_file_types_and_unknown_runs(tmp_path, open_campaign):
    slug = open_campaign.slug
    with pytest.raises(CommandError, match=".csv"):
        call_command("reproduce", slug, "--group", "residents", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="99"):
        call_command("reproduce", slug, "--group", "residents", "--out", str(tmp_path / "x.csv"), "--run", "99")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.R").exists()
