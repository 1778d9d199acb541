"""Crashes mid-cast on PostgreSQL: the settler killed (`kill -9`) while it settles, the database
restarted while ballots come in. Every acknowledged ballot must exist exactly once, and the settler
started before the restart must still be running and settling after it.

Clients resend a submission that got no answer or a server error with the same Idempotency-Key,
as the ballot page and a careful API client do: a retry then gets its receipt, never "already used".
"""
import collections
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from surveys.models import Answer, Ballot, PendingBallot, SpentTag
from surveys.services import invitations_issue
from tests.processes import database_url

from .conftest import valid_answers

ROOT = Path(__file__).resolve().parents[2]
PHASE = 20            # ballots per phase: before the kill, around the restart, after it
CLIENTS = 4
DEADLINE = 120.0      # seconds: the whole test gives up (and fails) after this; ~10–40 s is usual


def _pg_ctl() -> list[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("pg_ctl not found")
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + [found[-1]]


def _restart_database() -> None:
    """A fast restart of the server the tests use: sessions are cut, in-flight work rolled back,
    committed work kept (an immediate stop would also be survived, but this cluster runs with
    synchronous_commit=off, which may lose the last commits on a crash: a setting, not our code)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data = cursor.fetchone()[0]
    subprocess.run([*_pg_ctl(), "restart", "-D", data, "-m", "fast", "-w", "-t", "30"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=40)


class Settler:
    """`settle_ballots --every 0.05 --min-batch 1` against the test database, its output collected."""

    def __init__(self):
        env = {**os.environ, "DATABASE_URL": database_url(),
               "DJANGO_SETTINGS_MODULE": "minping.settings.test", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "settle_ballots", "--every", "0.05", "--min-batch", "1"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=lambda s=stream, x=lines: x.extend(s), daemon=True).start()

    def wait_for_work(self, stop_at: float) -> None:
        """Until it has settled a batch: it is up and connected."""
        while not self.out and self.process.poll() is None and time.monotonic() < stop_at:
            time.sleep(0.05)
        assert self.out, "".join(self.err)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def _database_back(stop_at: float) -> None:
    from django.db import OperationalError

    while True:
        try:
            connection.close()
            connection.ensure_connection()
            return
        except OperationalError:
            if time.monotonic() > stop_at:
                raise
            time.sleep(0.2)


def _cast_until_acknowledged(base_url: str, code: str, answers: list[dict], stop_at: float,
                             delay: float = 0.0) -> tuple[int, int]:
    """After `delay`, POST, resending with the same key on a 5xx or a lost connection:
    (final status, attempts)."""
    time.sleep(delay)
    key = str(uuid.uuid4())
    body = json.dumps({"answers": answers}).encode()
    attempts = 0
    while time.monotonic() < stop_at:
        attempts += 1
        request = urllib.request.Request(f"{base_url}/api/v1/ballots/{code}/", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, attempts
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return error.code, attempts
        except OSError:   # connection reset or refused while the server restarts
            pass
        time.sleep(0.1)
    return 0, attempts


@pytest.mark.postgres
@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_every_acknowledged_ballot_survives_a_killed_settler_and_a_database_restart(live_server, residents):
    stop_at = time.monotonic() + DEADLINE
    codes = invitations_issue(group=residents, count=3 * PHASE, actor="tests")
    ballots = {code: [dict(a, value=f"crash-{i}") if a["question"] == "comments" else a
                      for a in valid_answers(residents)] for i, code in enumerate(codes)}
    results: dict[str, tuple[int, int]] = {}
    settlers = [Settler(), Settler()]   # both start now: Django's start-up takes seconds
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            def one(code: str, delay: float) -> None:
                results[code] = _cast_until_acknowledged(live_server.url, code, ballots[code], stop_at, delay)

            def cast(batch: list[str], spread: float = 0.0) -> list:
                return [pool.submit(one, code, i * spread / len(batch)) for i, code in enumerate(batch)]

            phase1 = cast(codes[:PHASE])
            while not any(s.out for s in settlers) and time.monotonic() < stop_at:
                time.sleep(0.02)
            assert any(s.out for s in settlers), ["".join(s.err) for s in settlers]
            first = next(s for s in settlers if s.out)   # the one that got to work first …
            second = next(s for s in settlers if s is not first)
            first.kill()   # … is killed mid-settling, most likely: it settles every 50 ms while ballots come in
            [f.result() for f in phase1]
            second.out.clear()
            [f.result() for f in cast(codes[PHASE:PHASE + 2])]
            second.wait_for_work(stop_at)   # up and connected: now the restart will cut its connection
            phase2 = cast(codes[PHASE + 2:2 * PHASE], spread=2.0)   # casts spread over the next two seconds
            _restart_database()   # while phase 2 is being cast
            [f.result() for f in phase2]
            [f.result() for f in cast(codes[2 * PHASE:])]
        _database_back(stop_at)
        while PendingBallot.objects.exists() and time.monotonic() < stop_at:
            time.sleep(0.2)
        assert second.process.poll() is None, "".join(second.err)   # the settler lived through the restart
    finally:
        for settler in settlers:
            settler.kill()

    assert any(attempts > 1 for _status, attempts in results.values())   # the restart did cut casts short
    statuses = collections.Counter(status for status, _attempts in results.values())
    assert set(statuses) <= {200, 201} and sum(statuses.values()) == 3 * PHASE, statuses
    assert not PendingBallot.objects.exists()
    texts = collections.Counter(Answer.objects.filter(question__key="comments").values_list("text", flat=True))
    assert texts == {f"crash-{i}": 1 for i in range(3 * PHASE)}   # each acknowledged ballot exactly once
    assert Ballot.objects.count() == SpentTag.objects.count() == 3 * PHASE
    assert "数据库暂不可用" in "".join(second.err)   # it did meet the restart, and carried on
