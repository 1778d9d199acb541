"""Ballots cast online are stored as one pending row and settled into Ballot and Answer rows
later: settling loses nothing, writes nothing twice, is all-or-nothing, keeps the ballot apart
from its invitation's transaction, and scoring and exports settle first."""
import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

import surveys.ballots.rows
import surveys.ballots.settling
from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, ballots_settle, clear_sheet_cache, validate_answers
from surveys.models import Answer, Ballot, BallotUnitScore, Campaign, PendingBallot, Unit
from surveys.selectors import campaign_closed_reason, campaign_open_now
from surveys.services import invitations_issue

from .conftest import valid_answers


def cast(client, group, count: int = 1, answers=None) -> None:
    for code in invitations_issue(group=group, count=count, actor="tests"):
        response = client.post(f"/api/v1/ballots/{code}/", {"answers": answers or valid_answers(group)},
                               content_type="application/json")
        assert response.status_code == 201, response.content


def answer_rows(ballot_ids) -> list[tuple]:
    return sorted(Answer.objects.filter(ballot_id__in=ballot_ids)
                  .values_list("question__key", "unit__code", "option__value", "number", "text", "choices"),
                  key=repr)


def test_a_settled_ballot_has_the_rows_a_paper_import_of_the_same_answers_writes(client, residents):
    """Two write paths, one result: online (packed, then settled) and a batch (paper imports)."""
    cast(client, residents)
    assert ballots_settle(min_batch=1) == 1
    online = Ballot.objects.get()
    sheet = ballot_sheet(residents)
    batch = BallotBatch(sheet)
    paper = batch.add(validate_answers(sheet, [AnswerIn(a["question"], a["unit"], a["value"])
                                               for a in valid_answers(residents)]),
                      channel="paper", received_on=dt.date(2026, 3, 1))
    batch.write()
    assert answer_rows([online.id]) == answer_rows([paper]) and len(answer_rows([paper])) == len(valid_answers(residents))
    scores = [sorted(BallotUnitScore.objects.filter(ballot_id=b).values_list("unit__code", "score", "cell"))
              for b in (online.id, paper)]
    assert scores[0] == scores[1] and len(scores[0]) == residents.units.count()


def test_settling_twice_writes_nothing_more(client, residents):
    cast(client, residents, 3)
    assert ballots_settle(min_batch=1) == 3
    answers, scores = Answer.objects.count(), BallotUnitScore.objects.count()
    assert ballots_settle(min_batch=1) == 0
    assert (Answer.objects.count(), BallotUnitScore.objects.count()) == (answers, scores)


def test_settling_in_small_batches_settles_every_ballot(client, residents):
    cast(client, residents, 5)
    assert ballots_settle(batch_size=2, min_batch=1) == 5
    assert not PendingBallot.objects.exists()
    assert Answer.objects.values("ballot").distinct().count() == 5


def test_fewer_ballots_than_the_minimum_batch_stay_pending(client, residents):
    cast(client, residents, 3)
    assert ballots_settle(min_batch=4) == 0 and PendingBallot.objects.count() == 3
    assert ballots_settle(min_batch=2) == 0   # two are kept back while the campaign is open: one left, too few
    assert ballots_settle() == 0   # the default minimum (20)
    assert PendingBallot.objects.count() == 3 and ballots_settle(min_batch=1) == 3


@pytest.mark.parametrize("pending, closing, expected", [
    (0, False, 0), (39, False, 0), (40, False, 20), (100, False, 80), (600, False, 500),
    (0, True, 0), (7, True, 7), (500, True, 500), (501, True, 251), (1010, True, 337),
])
def test_batch_sizes_keep_the_minimum_and_split_the_closing_evenly(pending, closing, expected):
    assert surveys.ballots.settling.settle_batch_size(pending, closing=closing, batch_size=500, min_batch=20) == expected


def test_settling_one_campaign_leaves_the_others_pending(client, residents):
    cast(client, residents, 2)
    other_campaign = Campaign.objects.create(slug="other", title="其他", year=2026,
                                             questionnaire=residents.campaign.questionnaire)
    assert ballots_settle(campaign_id=other_campaign.id, min_batch=1) == 0
    assert PendingBallot.objects.filter(campaign=residents.campaign).count() == 2
    assert ballots_settle(campaign_id=residents.campaign_id, min_batch=1) == 2
    assert not PendingBallot.objects.filter(campaign=residents.campaign).exists()


def test_a_failed_batch_leaves_its_ballots_pending_and_no_answers(client, residents, monkeypatch):
    cast(client, residents, 2)
    real_write = surveys.ballots.rows.write_rows

    def fail_on_scores(model, fields, rows, **how):
        if model is BallotUnitScore:   # the answers are in, the scores fail
            raise RuntimeError("disk full")
        return real_write(model, fields, rows, **how)

    monkeypatch.setattr(surveys.ballots.rows, "write_rows", fail_on_scores)
    with pytest.raises(RuntimeError):
        ballots_settle(min_batch=1)
    assert PendingBallot.objects.count() == 2 and not Ballot.objects.exists() and not Answer.objects.exists()
    monkeypatch.undo()
    assert ballots_settle(min_batch=1) == 2 and Answer.objects.values("ballot").distinct().count() == 2


def test_a_unit_switched_off_after_casting_keeps_its_answers(client, residents):
    cast(client, residents)
    first = residents.units.order_by("code").first()
    Unit.objects.filter(pk=first.pk).update(active=False)
    clear_sheet_cache()
    assert ballots_settle(min_batch=1) == 1
    assert Answer.objects.filter(unit=first).count() == 2   # overall and attitude
    assert BallotUnitScore.objects.filter(unit=first).exists()


def test_scoring_a_closed_campaign_settles_every_ballot_first(client, residents, staff):
    from scoring.services import score_run_create

    cells = [{"district": d, "age": a, "sex": x} for d in ("D1", "D2") for a in ("18-34", "35-59", "60+") for x in "MF"]
    for cell in cells:   # one ballot in every weighting cell
        cast(client, residents, 1, [dict(a, value=cell.get(a["question"], a["value"])) for a in valid_answers(residents)])
    Campaign.objects.filter(pk=residents.campaign_id).update(status=Campaign.Status.CLOSED)
    run = score_run_create(campaign=residents.campaign, actor=staff)
    assert not PendingBallot.objects.exists()
    first = residents.units.order_by("code").first()
    unit = next(u for u in run.result["units"] if u["code"] == first.code)
    assert next(g for g in unit["groups"] if g["key"] == "residents")["n"] == len(cells)


def test_the_export_of_a_closed_campaign_settles_every_ballot_first(client, residents, tmp_path):
    from surveys.ballot_export import write_export

    cast(client, residents, 2)
    Campaign.objects.filter(pk=residents.campaign_id).update(status=Campaign.Status.CLOSED)
    assert write_export(residents, tmp_path / "ballots.csv", with_comments=True) == 2
    assert not PendingBallot.objects.exists()
    rows = (tmp_path / "ballots.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and rows[1].count("很好") == 1


class TestCommand:
    def test_settles_and_says_how_many(self, client, residents):
        cast(client, residents, 2)
        out = StringIO()
        call_command("settle_ballots", "--campaign", residents.campaign.slug, "--min-batch", "1", stdout=out)
        assert "2" in out.getvalue() and not PendingBallot.objects.exists()

    def test_an_unknown_campaign_is_refused_in_chinese(self, db):
        with pytest.raises(CommandError, match="不存在"):
            call_command("settle_ballots", "--campaign", "nope")

    def test_the_periodic_settler_leaves_a_small_batch_pending(self, client, residents, monkeypatch):
        cast(client, residents, 2)
        sleeps = []

        def stop(seconds):
            sleeps.append(seconds)
            raise KeyboardInterrupt

        monkeypatch.setattr("time.sleep", stop)
        with pytest.raises(KeyboardInterrupt):
            call_command("settle_ballots", "--every", "5", "--min-batch", "3", stdout=StringIO())
        assert sleeps == [5.0] and PendingBallot.objects.count() == 2

    def test_the_periodic_settler_waits_out_a_lost_database_with_backoff(self, db, monkeypatch):
        from django.db import OperationalError

        from surveys.management.commands import settle_ballots

        outcomes = iter([OperationalError("server closed the connection unexpectedly"),
                         OperationalError("connection refused"), OperationalError("connection refused"), 3])
        calls, sleeps = [], []

        def settle(**kwargs):
            calls.append(kwargs)
            outcome = next(outcomes)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 4:
                raise KeyboardInterrupt

        monkeypatch.setattr(settle_ballots, "ballots_settle", settle)
        monkeypatch.setattr("time.sleep", sleep)
        out, err = StringIO(), StringIO()
        with pytest.raises(KeyboardInterrupt):
            call_command("settle_ballots", "--every", "5", stdout=out, stderr=err)
        assert sleeps == [1.0, 2.0, 4.0, 5.0] and len(calls) == 4   # backoff, then the usual period once it works
        assert err.getvalue().count("数据库暂不可用") == 3 and "3" in out.getvalue()

    def test_once_without_every_a_lost_database_is_an_error(self, db, monkeypatch):
        from django.db import OperationalError

        from surveys.management.commands import settle_ballots

        monkeypatch.setattr(settle_ballots, "ballots_settle", lambda **kwargs: (_ for _ in ()).throw(OperationalError("x")))
        with pytest.raises(OperationalError):
            call_command("settle_ballots", stdout=StringIO())

    def test_every_must_be_positive(self, db):
        with pytest.raises(CommandError, match="--every"):
            call_command("settle_ballots", "--every", "0")


@pytest.mark.parametrize("status", [Campaign.Status.DRAFT, Campaign.Status.OPEN, Campaign.Status.CLOSED])
@pytest.mark.parametrize("opens, closes", [(None, None), (-2, None), (2, None), (None, 2), (None, -2), (-2, 2), (-4, -2)])
def test_the_sql_open_check_agrees_with_the_reason_in_python(residents, status, opens, closes):
    """The hot path checks in SQL what `campaign_closed_reason` says in Python: they must agree."""
    now = timezone.now()
    Campaign.objects.filter(pk=residents.campaign_id).update(
        status=status, opens_at=None if opens is None else now + dt.timedelta(hours=opens),
        closes_at=None if closes is None else now + dt.timedelta(hours=closes))
    campaign = Campaign.objects.get(pk=residents.campaign_id)
    assert campaign_open_now(campaign.id) == (campaign_closed_reason(campaign) is None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_settlers_write_each_ballot_once(client, residents):
    cast(client, residents, 12)
    counts, errors = [], []
    barrier = threading.Barrier(3)

    def settle():
        try:
            barrier.wait()
            counts.append(ballots_settle(batch_size=2, min_batch=1))
        except Exception as error:   # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sum(counts) == 12
    assert Answer.objects.values("ballot").distinct().count() == 12
    assert Answer.objects.count() == 12 * len(valid_answers(residents))


def test_the_campaign_list_counts_pending_ballots_too(client, residents, staff):
    cast(client, residents, 2)
    ballots_settle(batch_size=1, min_batch=1)   # settles both: then one more is cast
    cast(client, residents, 1)
    client.force_login(staff)
    page = client.get("/admin/surveys/campaign/").content.decode()
    assert '<td class="field-ballot_count">3</td>' in page


@pytest.mark.parametrize("text", ["bad\x00text", "lone \ud800 surrogate"])
def test_text_that_cannot_be_stored_is_refused_at_casting(client, residents, text):
    """PostgreSQL stores neither NUL nor unpaired surrogates: refused at once, never left to jam settling."""
    code = invitations_issue(group=residents, count=1, actor="tests")[0]
    answers = [dict(a, value=text) if a["question"] == "comments" else a for a in valid_answers(residents)]
    response = client.post(f"/api/v1/ballots/{code}/", {"answers": answers}, content_type="application/json")
    assert response.status_code == 400
    assert [e["question"] for e in response.json()["errors"]] == ["comments"]
    assert not PendingBallot.objects.exists()


def test_an_unknown_key_with_a_lone_surrogate_is_echoed_escaped(client, residents):
    code = invitations_issue(group=residents, count=1, actor="tests")[0]
    answers = valid_answers(residents) + [{"question": "\ud800", "unit": None, "value": "x"}]
    response = client.post(f"/api/v1/ballots/{code}/", {"answers": answers}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["question"] == "\\ud800"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ballot_row_is_not_written_in_the_transaction_of_its_spent_tag(client, residents):
    """PostgreSQL stamps each row with the id of the transaction that wrote it (xmin): the ballot
    must not share it with the spent tag it was cast with (nor with any invitation: see
    test_database_anonymity)."""
    cast(client, residents)
    ballots_settle(min_batch=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM surveys_spenttag")
        invitation_xids = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT xmin::text FROM surveys_ballot UNION SELECT xmin::text FROM surveys_answer")
        ballot_xids = {row[0] for row in cursor.fetchall()}
    assert len(invitation_xids) == 1 and ballot_xids and not invitation_xids & ballot_xids


@pytest.mark.postgres
def test_a_batch_never_claims_more_than_its_size_whatever_the_plan(client, residents):
    """With the claim as a subquery, a plan that rescans it for every deleted row (planner settings
    force that plan here) made batches of two take three or more ballots."""
    cast(client, residents, 12)
    with connection.cursor() as cursor:
        for setting in ("enable_hashagg", "enable_material", "enable_hashjoin", "enable_mergejoin", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")   # until the test's transaction ends
    assert ballots_settle(batch_size=2, min_batch=1) == 12
    with connection.cursor() as cursor:   # each batch is a (sub)transaction: its ballots share an xmin
        cursor.execute("SELECT count(*) FROM surveys_ballot GROUP BY xmin::text")
        assert sorted(row[0] for row in cursor.fetchall()) == [2] * 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_while_a_campaign_is_scored_ballots_are_cast_but_not_settled(client, residents):
    """Scoring holds the campaign's row (NO KEY UPDATE): casting goes on, other settlers skip it."""
    cast(client, residents)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def scoring_holds_the_lock():
        try:
            with transaction.atomic():
                list(Campaign.objects.select_for_update(no_key=True).filter(pk=residents.campaign_id))
                locked.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=scoring_holds_the_lock)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")   # a cast that waited for the lock would fail
        cast(client, residents)
        assert ballots_settle(min_batch=1) == 0 and PendingBallot.objects.count() == 2
    finally:
        release.set()
        thread.join()
    assert done.is_set() and ballots_settle(min_batch=1) == 2
