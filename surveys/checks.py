"""System checks: what the database must support beyond Django's own minimum."""
import sqlite3

from django.core import checks
from django.db import connections

# Settling claims pending ballots with DELETE … RETURNING (SQLite 3.35) and migration 0007 fills
# the cell links with UPDATE … FROM (3.33); Django 5.2 itself accepts 3.31.
SQLITE_MINIMUM = (3, 35)


@checks.register(checks.Tags.database, deploy=False)
def sqlite_version(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        if connections[alias].vendor == "sqlite" and sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            errors.append(checks.Error(
                f"SQLite {sqlite3.sqlite_version} is too old: Minping needs {'.'.join(map(str, SQLITE_MINIMUM))} "
                "or later (DELETE … RETURNING).", id="surveys.E001"))
    return errors
