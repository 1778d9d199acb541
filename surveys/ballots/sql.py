"""Small helpers of the hand-written SQL on the hot path (casting, the code lookup, settling).

Casting a ballot is the one request that comes in bursts of hundreds a second. Building an ORM
query costs more than PostgreSQL takes to run it, so its queries are written in SQL, each once;
everything else goes through the ORM.
"""
import uuid

from django.db import connection


def table_name(model) -> str:
    """The quoted table of `model`."""
    return connection.ops.quote_name(model._meta.db_table)


def db_uuid(value: uuid.UUID):
    """A UUID as a raw cursor takes it: native on PostgreSQL, hex text on SQLite."""
    return value if connection.features.has_native_uuid_field else value.hex
