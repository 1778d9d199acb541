"""Concurrency tests on PostgreSQL: run a service in two threads (two database sessions) at once,
with a pause at the point where, without its lock, both would have read the same state."""
import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connection
from django.db.models.query import QuerySet


def race(work: Callable[[], object], *, threads: int = 2) -> list:
    """Run `work` in `threads` threads; returns what each returned or raised (an exception object)."""
    outcomes: list = [None] * threads

    def run(i: int) -> None:
        try:
            outcomes[i] = work()
        except Exception as error:  # noqa: BLE001 — the outcome is what the test inspects
            outcomes[i] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return outcomes


def pause_in(monkeypatch, module, name: str, *, threads: int = 2, seconds: float = 1.5) -> None:
    """Make `module.name` wait until every racing thread is inside it (or `seconds` have passed:
    with a working lock the others cannot get there, and the first goes on alone)."""
    original = getattr(module, name)
    barrier = threading.Barrier(threads, timeout=seconds)

    def paused(*args, **kwargs):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)


@contextmanager
def without_row_locks(monkeypatch):
    """The control: every SELECT … FOR UPDATE becomes a plain SELECT, so the race can happen."""
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    yield
