"""One invitation, one ballot — under concurrent submissions and injected failures."""
import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _without_the_guard(invitation_id, today):
    """The consuming UPDATE with its `used = false` condition taken out (what the real code must not do),
    after a pause that lets the other requests' lookups see the code unused."""
    time.sleep(0.05)
    sql, params = REAL_CONSUME_STATEMENT(invitation_id, today)
    guard = " AND used = %s "
    assert sql.count(guard) == 1 and params[3] is False   # the guard and its parameter, as written
    return sql.replace(guard, " "), params[:3] + params[4:]


REAL_CONSUME_STATEMENT = surveys.ballots._consume_statement


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSubmissions:
    def test_twenty_concurrent_posts_give_exactly_one_ballot(self, live_server, codes, residents):
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert sorted(statuses) == [201] + [409] * (CONCURRENT - 1)
        assert stored_ballots() == 1
        assert ballots_settle() == 1 and Answer.objects.count() == len(valid_answers(residents))

    def test_control_without_the_guard_the_race_is_visible(self, live_server, codes, residents, monkeypatch):
        """Proves the test above can see a race: without the guard in the UPDATE, ballots multiply."""
        monkeypatch.setattr(surveys.ballots, "_consume_statement", _without_the_guard)
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert statuses.count(201) > 1
        assert stored_ballots() == statuses.count(201)


# A failure the database raises while it stores the ballot, after the invitation's UPDATE has run
# (in the same transaction; on PostgreSQL in the same statement, whose INSERT takes its row from
# the UPDATE's): a full disk, a lost connection, a constraint.
FAILING_INSERT = {
    "postgresql": (["CREATE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                    "CREATE TRIGGER test_fail_insert BEFORE INSERT ON surveys_pendingballot "
                    "FOR EACH ROW EXECUTE FUNCTION test_fail_insert()"],
                   ["DROP TRIGGER test_fail_insert ON surveys_pendingballot", "DROP FUNCTION test_fail_insert()"]),
    "sqlite": (["CREATE TRIGGER test_fail_insert BEFORE INSERT ON surveys_pendingballot "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
               ["DROP TRIGGER test_fail_insert"]),
}


@contextlib.contextmanager
def pending_ballot_inserts_fail():
    create, drop = FAILING_INSERT[connection.vendor]
    with connection.cursor() as cursor:
        for sql in create:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in drop:
                cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
def test_a_failure_between_consuming_and_storing_leaves_neither(client, codes, residents, monkeypatch):
    consuming = []
    monkeypatch.setattr(surveys.ballots, "_consume_statement",
                        lambda *args: consuming.append(args) or REAL_CONSUME_STATEMENT(*args))
    client.raise_request_exception = False
    with pending_ballot_inserts_fail():
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                               content_type="application/json")
    assert response.status_code == 500 and len(consuming) == 1   # the UPDATE was part of what failed
    assert not Invitation.objects.filter(used=True).exists()
    assert stored_ballots() == Answer.objects.count() == 0

    retry = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                        content_type="application/json")
    assert retry.status_code == 201  # the code still works after the failure
    assert Invitation.objects.filter(used=True).count() == stored_ballots() == 1


@pytest.mark.django_db   # the test runs in a transaction, as a caller's would be
def test_a_cast_that_fails_inside_a_callers_transaction_leaves_that_transaction_usable(client, codes, residents):
    client.raise_request_exception = False
    with pending_ballot_inserts_fail():
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                               content_type="application/json")
        assert response.status_code == 500
        assert not Invitation.objects.filter(used=True).exists()   # not "current transaction is aborted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_cast_is_two_statements_and_no_transaction(client, codes, residents):
    """The code's lookup, then one statement that consumes it and inserts the ballot: no BEGIN or
    COMMIT round trips (a data-modifying WITH is atomic on its own)."""
    assert client.get(f"/api/v1/ballots/{codes[1]}/").status_code == 200   # the sheet is cached now
    answers = valid_answers(residents)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": answers}, content_type="application/json")
    assert response.status_code == 201
    # The rate limit's look-up in the shared cache (a table unless Redis is configured) is not the cast's.
    statements = [q["sql"] for q in queries.captured_queries if "minping_cache" not in q["sql"]]
    assert len(statements) == 2 and statements[1].startswith("WITH consumed AS (UPDATE")
    assert Invitation.objects.filter(used=True).count() == PendingBallot.objects.count() == 1
