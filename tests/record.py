"""Tests that tamper with the record on purpose, the way whoever holds the database can."""
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def append_only_triggers_off(*tables: str):
    """Switch off the append-only triggers of `tables` (PostgreSQL; surveys/migrations/0011_append_only_triggers.py)
    for what runs inside, in a transaction of its own, then switch them on again."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no pending foreign-key checks
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        yield
        if postgres:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
