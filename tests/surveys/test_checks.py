"""The database check: SQLite must be new enough for settling's DELETE … RETURNING."""
import pytest
from django.db import connection

from surveys import checks


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an SQLite check")
def test_an_old_sqlite_is_reported_and_a_new_one_passes(monkeypatch):
    assert checks.sqlite_version(databases=["default"]) == []
    monkeypatch.setattr(checks.sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(checks.sqlite3, "sqlite_version", "3.31.1")
    [error] = checks.sqlite_version(databases=["default"])
    assert error.id == "surveys.E001" and "3.31.1" in error.msg and "3.35" in error.msg


def test_without_databases_nothing_is_checked():
    assert checks.sqlite_version(databases=None) == []
