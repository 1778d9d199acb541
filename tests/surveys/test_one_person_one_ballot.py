"""One invitation, one ballot — under concurrent submissions and injected failures."""
import contextlib
import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import surveys.ballots.invitations
from surveys.ballots import ballots_settle
from surveys.ballots.sql import db_uuid, table_name
from surveys.models import Answer, PendingBallot, SpentTag

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


def _check_then_insert(invitation, campaign_id, retry_tag):
    """The spending INSERT without its guard (what the real code must not do): the code's tag goes
    in a column without a unique index (retry_tag), each row gets a random key, and "not spent yet"
    is a NOT EXISTS check; a pause inside the statement, after its snapshot, lets the others start."""
    table = table_name(SpentTag)
    tag = db_uuid(invitation.tags[0])
    return (f"INSERT INTO {table} (tag, group_id, retry_tag) SELECT %s, %s, %s FROM (SELECT pg_sleep(0.2)) AS pause "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.retry_tag = %s)",
            [uuid.uuid4(), invitation.group_id, tag, tag])


REAL_SPEND_STATEMENT = surveys.ballots.invitations.spend_statement


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSubmissions:
    def test_twenty_concurrent_posts_give_exactly_one_ballot(self, live_server, codes, residents):
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert sorted(statuses) == [201] + [409] * (CONCURRENT - 1)
        assert stored_ballots() == 1
        assert ballots_settle(min_batch=1) == 1 and Answer.objects.count() == len(valid_answers(residents))

    def test_control_without_the_guard_the_race_is_visible(self, live_server, codes, residents, monkeypatch):
        """Proves the test above can see a race: with a check-then-insert instead of the unique key, ballots multiply."""
        monkeypatch.setattr(surveys.ballots.invitations, "spend_statement", _check_then_insert)
        statuses = _submit_concurrently(live_server.url, codes[0], valid_answers(residents))
        assert statuses.count(201) > 1
        assert stored_ballots() == statuses.count(201)


# A failure the database raises while it stores the ballot, after the spent tag's INSERT has run
# (in the same transaction; on PostgreSQL in the same statement, whose second INSERT takes its row
# from the first's): a full disk, a lost connection, a constraint.
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
    monkeypatch.setattr(surveys.ballots.invitations, "spend_statement",
                        lambda *args: consuming.append(args) or REAL_SPEND_STATEMENT(*args))
    client.raise_request_exception = False
    with pending_ballot_inserts_fail():
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                               content_type="application/json")
    assert response.status_code == 500 and len(consuming) == 1   # the tag's INSERT was part of what failed
    assert not SpentTag.objects.exists()
    assert stored_ballots() == Answer.objects.count() == 0

    retry = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                        content_type="application/json")
    assert retry.status_code == 201  # the code still works after the failure
    assert SpentTag.objects.count() == stored_ballots() == 1


@pytest.mark.django_db   # the test runs in a transaction, as a caller's would be
def test_a_cast_that_fails_inside_a_callers_transaction_leaves_that_transaction_usable(client, codes, residents):
    client.raise_request_exception = False
    with pending_ballot_inserts_fail():
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                               content_type="application/json")
        assert response.status_code == 500
        assert not SpentTag.objects.exists()   # not "current transaction is aborted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_cast_is_two_statements_and_no_transaction(client, codes, residents):
    """The code's lookup, then one statement that spends it and inserts the ballot: no BEGIN or
    COMMIT round trips (a data-modifying WITH is atomic on its own)."""
    assert client.get(f"/api/v1/ballots/{codes[1]}/").status_code == 200   # the sheet is cached now
    answers = valid_answers(residents)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": answers}, content_type="application/json")
    assert response.status_code == 201
    # The rate limit's look-up in the shared cache (a table unless Redis is configured) is not the cast's.
    statements = [q["sql"] for q in queries.captured_queries if "minping_cache" not in q["sql"]]
    assert len(statements) == 2 and statements[1].startswith("WITH spent AS (INSERT")
    assert SpentTag.objects.count() == PendingBallot.objects.count() == 1
