"""`manage.py score`: JSON shape, table, --verify, provisional vs scored, refusals."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from scoring.models import ScoreRun, UnitScore
from scoring.services import ScoringRefused, score_run_create
from surveys.models import AuditEvent, Campaign
from surveys.services import campaign_set_status
from tests.record import append_only_triggers_off

UNIT_KEYS = {"code", "name", "kind", "n", "ess", "score", "se", "ci_low", "ci_high", "published", "grade",
             "grade_low", "grade_high", "satisfied", "rank", "rank_low", "rank_high", "suppressed", "groups"}
GROUP_KEYS = {"key", "weight", "n", "ess", "score", "se", "ci_low", "ci_high"}


def _score(*args) -> str:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


def _close(campaign):
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")


def test_json_has_the_issue_shape_at_full_precision(open_campaign):
    data = json.loads(_score(open_campaign.slug, "--json"))
    assert set(data) == {"campaign", "run", "method", "methods", "level", "groups", "units"}
    assert (data["campaign"], data["run"], data["method"], data["level"]) == (open_campaign.slug, 1, "minping-2", 0.95)
    residents, delegates = data["groups"]
    assert set(residents) == {"key", "weight", "n", "ess", "design", "variance"}
    assert (residents["variance"], delegates["variance"]) == ("calibrate-raking", "srs")
    assert residents["design"] == {
        "strata": "district", "fpc": {"D1": 200000, "D2": 100000}, "poststratify": None,
        "rake": {"district": {"D1": 200000, "D2": 100000}, "age": {"18-34": 90000, "35-59": 135000, "60+": 75000},
                 "sex": {"M": 150000, "F": 150000}}}
    assert delegates["design"] == {"strata": None, "fpc": 50, "poststratify": None, "rake": None}
    assert (residents["key"], residents["weight"], delegates["weight"]) == ("residents", 0.6, 0.4)
    assert len(data["units"]) == 5
    for unit in data["units"]:
        assert set(unit) == UNIT_KEYS and set(unit["satisfied"]) == {"value", "ci_low", "ci_high", "method"}
        assert all(set(g) == GROUP_KEYS for g in unit["groups"])
    # Full precision: the JSON number is the stored double, not a rounded one.
    stored = UnitScore.objects.get(run__number=1, unit__code=data["units"][0]["code"], group__isnull=True)
    assert data["units"][0]["score"] == stored.estimate and len(repr(stored.estimate)) > 8


def test_table_lists_every_unit_with_rank_and_interval(open_campaign):
    out = _score(open_campaign.slug)
    run = ScoreRun.objects.get()
    for unit in run.result["units"]:
        line = next(line for line in out.splitlines() if unit["code"] in line)
        if unit["suppressed"]:
            assert f"{unit['rank_low']}–" not in line
        else:
            assert f"{unit['rank_low']}–{unit['rank_high']}" in line and f"{unit['score']:.1f}" in line
        # Ballots per group under the groups' names, as the notice names them; never their keys.
        names = dict(open_campaign.groups.values_list("key", "name"))
        for group in unit["groups"]:
            assert f"{names[group['key']]} {group['n']}" in line and f"{group['key']}:" not in line


def test_open_campaign_gives_a_provisional_run_and_stays_open(open_campaign):
    _score(open_campaign.slug)
    run = ScoreRun.objects.get()
    open_campaign.refresh_from_db()
    assert run.provisional and open_campaign.status == Campaign.Status.OPEN
    assert AuditEvent.objects.filter(action="score_run.create", object_id=str(run.pk)).exists()


def test_closed_campaign_becomes_scored_and_may_be_rescored(open_campaign):
    _close(open_campaign)
    _score(open_campaign.slug)
    open_campaign.refresh_from_db()
    assert open_campaign.status == Campaign.Status.SCORED
    assert AuditEvent.objects.get(action="campaign.status", data__to="scored").data["process"] == "manage.py score"
    _score(open_campaign.slug)
    open_campaign.refresh_from_db()
    runs = list(ScoreRun.objects.order_by("number"))
    assert [r.number for r in runs] == [1, 2] and not any(r.provisional for r in runs)
    assert open_campaign.status == Campaign.Status.SCORED
    assert runs[0].input_digest == runs[1].input_digest and runs[0].result["units"] == runs[1].result["units"]


@pytest.mark.parametrize("status", ["draft", "publicized", "final"])
def test_draft_and_published_campaigns_are_refused_and_nothing_is_written(campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    with pytest.raises(CommandError, match=campaign.slug):
        _score(campaign.slug)
    assert not ScoreRun.objects.exists() and not AuditEvent.objects.filter(action="score_run.create").exists()


def test_unknown_slug_is_refused(db):
    with pytest.raises(CommandError, match="no-such"):
        _score("no-such")


def test_refusal_exits_1(campaign, capsys, monkeypatch):
    from django.db import connections

    from scoring.management.commands.score import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)  # run_from_argv closes them all
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "score", campaign.slug])
    assert exited.value.code == 1 and campaign.slug in capsys.readouterr().err


def test_verify_passes_then_names_the_tampered_unit_and_field(open_campaign, capsys, monkeypatch):
    _score(open_campaign.slug)
    assert "1" in _score(open_campaign.slug, "--verify", "1")
    row = UnitScore.objects.filter(group__isnull=True, suppressed=False).select_related("unit").first()
    with connection.cursor() as cursor:  # the ORM refuses; tampering happens behind its back
        cursor.execute(f"UPDATE {UnitScore._meta.db_table} SET estimate = estimate + 0.01 WHERE id = %s", [row.pk])
    with pytest.raises(CommandError, match="1"):
        out = StringIO()
        try:
            call_command("score", open_campaign.slug, "--verify", "1", stdout=out)
        finally:
            printed = out.getvalue()
    assert f"{row.unit.code}/" in printed and ".estimate" in printed
    assert ScoreRun.objects.count() == 1  # verifying writes nothing


def test_verify_detects_a_changed_ballot(open_campaign):
    _score(open_campaign.slug)
    from surveys.models import BallotUnitScore

    with append_only_triggers_off("surveys_ballotunitscore"), connection.cursor() as cursor:
        # A rewrite only a database administrator could do: past the models' guard and the triggers.
        cursor.execute("UPDATE surveys_ballotunitscore SET score = 0 WHERE id = %s",
                       [BallotUnitScore.objects.order_by("pk").first().pk])
    out = StringIO()
    with pytest.raises(CommandError), translation.override("en"):  # the message is translated (zh-hans default)
        call_command("score", open_campaign.slug, "--verify", "1", stdout=out)
    assert "digest" in out.getvalue().lower()


def test_ranks_are_reproducible_and_seeded_by_the_inputs(open_campaign):
    first = score_run_create(campaign=open_campaign, actor="tests")
    second = score_run_create(campaign=open_campaign, actor="tests")
    ranks = lambda run: [(u["code"], u["rank"], u["rank_low"], u["rank_high"]) for u in run.result["units"]]  # noqa: E731
    assert ranks(first) == ranks(second)
    from scoring.compute import rank_seed

    assert rank_seed(first.input_digest, "city_organ") != rank_seed("0" * 64, "city_organ")


def test_service_refuses_draft_without_writing(campaign):
    with pytest.raises(ScoringRefused):
        score_run_create(campaign=campaign, actor="tests")
    assert not ScoreRun.objects.exists()
