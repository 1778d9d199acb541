"""One invitation, one ballot — under concurrent submissions and injected failures."""
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

import surveys.ballots
from surveys.ballots import ballots_settle
from surveys.models import Answer, Invitation, PendingBallot

from .conftest import stored_ballots, valid_answers

CONCURRENT = 20


def _submit_concurrently(base_url: str, code: str, answers: list[dict]) -> list[int]:
    """POST the same ballot CONCURRENT times at once (a barrier releases all threads together)."""
    barrier = threading.Barrier(CONCURRENT)
    body = json.dumps({"answers": answers}).encode()

    def submit(_):
        request = urllib.request.Request(f"{base_url}/api/v1/ballots/{code}/", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        return list(pool.map(submit, range(CONCURRENT)))


def _racy_consume(invitation_id, today):
    """The guard removed: read, think, then write unconditionally (what the real code must not do)."""
    was_used = Invitation.objects.get(pk=invitation_id).used
    time.sleep(0.05)
    if was_used:
        return False
    Invitation.objects.filter(pk=invitation_id).update(used=True, used_on=today)
    return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSubmissions:
    def test_twenty_concurrent_posts_give_exactly_one_ballot(self, live_server, codes, residents):
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert sorted(statuses) == [201] + [409] * (CONCURRENT - 1)
        assert stored_ballots() == 1
        assert ballots_settle() == 1 and Answer.objects.count() == len(valid_answers(residents))

    def test_control_without_the_guard_the_race_is_visible(self, live_server, codes, residents, monkeypatch):
        """Proves the test above can see a race: with a check-then-write guard, ballots multiply."""
        monkeypatch.setattr(surveys.ballots, "_consume_invitation", _racy_consume)
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert statuses.count(201) > 1
        assert stored_ballots() == statuses.count(201)


@pytest.mark.django_db(transaction=True)
def test_a_failure_between_consuming_and_storing_leaves_neither(client, codes, residents, monkeypatch):
    consumed = []
    real_consume = surveys.ballots._consume_invitation

    def consume_then_note(invitation_id, today):
        consumed.append(real_consume(invitation_id, today))
        return consumed[-1]

    real_insert, inserted = surveys.ballots.insert_rows, []

    def insert_then_fail_on_answers(model, fields, rows):
        if model is PendingBallot:   # the invitation is consumed, the ballot fails
            raise RuntimeError("disk full")
        inserted.append(real_insert(model, fields, rows))
        return inserted[-1]

    monkeypatch.setattr(surveys.ballots, "_consume_invitation", consume_then_note)
    monkeypatch.setattr(surveys.ballots, "insert_rows", insert_then_fail_on_answers)
    client.raise_request_exception = False
    response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                           content_type="application/json")
    assert response.status_code == 500 and consumed == [True] and inserted == []
    assert not Invitation.objects.filter(used=True).exists()
    assert stored_ballots() == Answer.objects.count() == 0

    monkeypatch.undo()
    retry = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                        content_type="application/json")
    assert retry.status_code == 201  # the code still works after the failure
