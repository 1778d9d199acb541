"""Bulk inserts: every path (one INSERT for a few rows, COPY or executemany for many) stores the
rows exactly, UUID and JSON values included, inside the caller's transaction."""
import datetime as dt
import uuid

import pytest
from django.db import connection, transaction

from minping.lib.bulk import FEW_ROWS, insert_parts, insert_rows
from surveys.models import PendingBallot

pytestmark = pytest.mark.django_db(transaction=False)

FIELDS = ("id", "campaign_id", "group_id", "channel", "received_on", "profile", "answers", "suspected_duplicate")


def _rows(group, count: int) -> list[tuple]:
    return [(uuid.uuid4(), group.campaign_id, group.id, "online", dt.date(2026, 5, 1),
             {"district": f"区{i % 3}", "age": i}, f"[{i}]", i % 2 == 0) for i in range(count)]


def _stored() -> dict:
    return {p.id: (p.campaign_id, p.group_id, p.channel, p.received_on, p.profile, p.answers, p.suspected_duplicate)
            for p in PendingBallot.objects.all()}


@pytest.mark.parametrize("count", [3, FEW_ROWS + 30], ids=["a-few-rows", "many-rows"])
def test_rows_are_stored_exactly_with_uuid_and_json_values(residents, count):
    rows = _rows(residents, count)
    assert insert_rows(PendingBallot, FIELDS, rows) == count
    assert _stored() == {row[0]: row[1:] for row in rows}


def test_a_generator_of_rows_takes_the_many_rows_path_and_counts_them(residents):
    rows = _rows(residents, 7)
    assert insert_rows(PendingBallot, FIELDS, iter(rows), batch_size=3) == 7
    assert set(_stored()) == {row[0] for row in rows}


def test_no_rows_insert_nothing(residents):
    assert insert_rows(PendingBallot, FIELDS, []) == 0
    assert not PendingBallot.objects.exists()


@pytest.mark.parametrize("count", [2, FEW_ROWS + 5])
def test_rows_are_written_in_the_callers_transaction(residents, count):
    with transaction.atomic():
        insert_rows(PendingBallot, FIELDS, _rows(residents, count))
        transaction.set_rollback(True)
    assert not PendingBallot.objects.exists()


def test_insert_parts_quote_the_table_and_columns_and_convert_the_values(residents):
    row = _rows(residents, 1)[0]
    table, columns, values = insert_parts(PendingBallot, FIELDS, row)
    assert table == connection.ops.quote_name("surveys_pendingballot")
    assert columns.split(", ")[:3] == [connection.ops.quote_name(c) for c in ("id", "campaign_id", "group_id")]
    native_uuid = connection.features.has_native_uuid_field
    assert values[0] == (row[0] if native_uuid else row[0].hex)
    assert values[1:5] == row[1:5] and values[6:] == row[6:]
    # The JSON value is prepared for the database: no longer the dict, but it reads back as it.
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(values))})", values)
    assert PendingBallot.objects.get().profile == row[5]
