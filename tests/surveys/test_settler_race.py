"""Several settlers at once (`settle_ballots` beside the app servers, scoring and exports settling
first): each pending ballot is written out exactly once, and the settlers work side by side rather
than one after the other. The control claims pending rows without locking them and shows that the
test sees double settling."""
import json
import threading
import time
from collections import Counter

import pytest
from django.db import connection

import surveys.ballots.settling as settling
from surveys.models import Answer, Ballot, PendingBallot
from surveys.services import invitations_issue

from .conftest import valid_answers

BALLOTS, BATCH, SETTLERS = 24, 4, 2
PAUSE = 0.2   # seconds each batch holds its claimed rows before writing: the settlers overlap


def cast_marked(client, group) -> list[str]:
    """BALLOTS ballots, each with its own comment: a settled ballot names the pending one it came from."""
    markers = [f"ballot-{number}" for number in range(BALLOTS)]
    for code, marker in zip(invitations_issue(group=group, count=BALLOTS, actor="tests"), markers, strict=True):
        answers = [dict(a, value=marker) if a["question"] == "comments" else a for a in valid_answers(group)]
        response = client.post(f"/api/v1/ballots/{code}/", {"answers": answers}, content_type="application/json")
        assert response.status_code == 201, response.content
    return markers


def settle_at_once(monkeypatch, windows: list | None = None) -> tuple[list[int], list[Exception]]:
    """SETTLERS settlers started together, each batch pausing between its claim and its write;
    `windows` collects (settler, start, end) of each batch's time holding its claimed rows."""
    real_write = settling._write_settled

    def paused_write(claimed):
        start = time.monotonic()
        time.sleep(PAUSE)
        real_write(claimed)
        if windows is not None:
            windows.append((threading.get_ident(), start, time.monotonic()))

    monkeypatch.setattr(settling, "_write_settled", paused_write)
    counts, errors = [], []
    barrier = threading.Barrier(SETTLERS)

    def settle():
        try:
            barrier.wait()
            counts.append(settling.ballots_settle(batch_size=BATCH, min_batch=1))
        except Exception as error:   # noqa: BLE001 — reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(SETTLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts, errors


def settled_markers() -> Counter:
    return Counter(Answer.objects.filter(question__key="comments").values_list("text", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_settlers_at_once_write_each_pending_ballot_exactly_once(client, residents, monkeypatch):
    markers = cast_marked(client, residents)
    windows = []
    counts, errors = settle_at_once(monkeypatch, windows)
    assert not errors
    assert settled_markers() == Counter(markers)   # every ballot once: none lost, none twice
    assert Ballot.objects.count() == BALLOTS and not PendingBallot.objects.exists()
    assert Answer.objects.count() == BALLOTS * len(valid_answers(residents))
    assert len(counts) == SETTLERS and all(count > 0 for count in counts) and sum(counts) == BALLOTS
    # Side by side: a settler skips the rows another holds and takes others, so their batches overlap.
    assert overlapping(windows)


def overlapping(windows: list) -> bool:
    """Did two settlers hold claimed rows at the same time?"""
    return any(a[0] != b[0] and a[1] < b[2] and b[1] < a[2] for a in windows for b in windows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_row_locks_without_skip_locked_make_settlers_take_turns(client, residents, monkeypatch):
    """Shows the overlap check above can fail: settlers that wait for each other's rows never overlap."""
    cast_marked(client, residents)
    monkeypatch.setattr(settling, "CLAIM_LOCKS", " FOR UPDATE OF p FOR SHARE OF c")
    windows = []
    counts, errors = settle_at_once(monkeypatch, windows)
    assert not errors and sum(counts) == BALLOTS   # still each once: only the waiting differs
    assert not overlapping(windows)


def _claim_without_locks(campaign_id: int, limit: int) -> list:
    """The control: the claim as a plain read of the pending rows, deleted afterwards. No row is
    locked while reading, so two settlers read the same rows and both write them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, group_id, channel, received_on, profile::text, suspected_duplicate, answers "
                       "FROM surveys_pendingballot WHERE campaign_id = %s ORDER BY id LIMIT %s", [campaign_id, limit])
        rows = cursor.fetchall()
        cursor.execute("DELETE FROM surveys_pendingballot WHERE id = ANY(%s)", [[row[0] for row in rows]])
    return [settling._Pending(group, channel, received, json.loads(profile), suspected, json.loads(answers))
            for _id, group, channel, received, profile, suspected, answers in rows]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_a_claim_without_row_locks_settles_ballots_twice(client, residents, monkeypatch):
    markers = cast_marked(client, residents)
    monkeypatch.setattr(settling, "_claim_pending", _claim_without_locks)
    counts, errors = settle_at_once(monkeypatch)
    twice = [marker for marker, times in settled_markers().items() if times > 1]
    assert errors or twice, "the race test cannot see double settling"
    assert set(settled_markers()) <= set(markers)
