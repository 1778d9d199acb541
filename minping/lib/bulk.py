"""Fast inserts of many rows, for the demo seeder, paper imports and benchmarks.

`bulk_create` builds a model instance per row and compiles SQL per batch; at hundreds of
thousands of answers that costs more than the database itself. Here rows are plain tuples
and go to the database with COPY (PostgreSQL) or one prepared statement and `executemany`.
"""
import functools
from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(model, field_names: Sequence[str], rows: Iterable[Sequence], batch_size: int = 5000) -> int:
    """Insert `rows` (tuples in the order of `field_names`, attnames such as `ballot_id`) into `model`.

    Values of UUID and JSON fields are converted for the database here; everything else is
    passed as it is. Runs in the caller's transaction. Returns the number of rows inserted.
    """
    table, columns, converters = _target(model, tuple(field_names), connection.vendor)
    prepared = (_prepared(converters, row) for row in rows)
    placeholders = f"({', '.join(['%s'] * len(converters))})"
    if isinstance(rows, (list, tuple)) and len(rows) <= FEW_ROWS:
        # A few rows (a cast on SQLite, a small settling batch): one INSERT is one round trip, a COPY at least two.
        return _insert_few(f"INSERT INTO {table} ({columns}) VALUES ", placeholders, list(prepared))
    if connection.vendor == "postgresql":
        return _copy_rows(table, columns, prepared)
    return _execute_many(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", prepared, batch_size)


def insert_parts(model, field_names: Sequence[str], row: Sequence) -> tuple[str, str, tuple]:
    """The quoted table, the column list and `row` converted for the database: an INSERT's parts,
    for a caller that writes the statement around them (`surveys.ballots` joins one to an UPDATE)."""
    table, columns, converters = _target(model, tuple(field_names), connection.vendor)
    return table, columns, _prepared(converters, row)


def _prepared(converters: list, row: Sequence) -> tuple:
    return tuple(value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True))


@functools.cache
def _target(model, field_names: tuple[str, ...], vendor: str) -> tuple[str, str, list]:
    """The quoted table, the column list and each value's converter: looked up once per process."""
    fields = [model._meta.get_field(name.removesuffix("_id")) if name.endswith("_id") else model._meta.get_field(name)
              for name in field_names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return table, columns, [_converter(f) for f in fields]


FEW_ROWS = 20


def _insert_few(sql: str, placeholders: str, rows: list[tuple]) -> int:
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(sql + ", ".join([placeholders] * len(rows)), [value for row in rows for value in row])
    return len(rows)


def _execute_many(sql: str, rows, batch_size: int) -> int:
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _copy_rows(table: str, columns: str, rows) -> int:
    """PostgreSQL's COPY: several times faster than INSERTs for thousands of rows."""
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _converter(field):
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind == "UUIDField":
        # The per-value Django path costs more than the insert itself at a million rows.
        if connection.features.has_native_uuid_field:
            return None
        return lambda value: None if value is None else value.hex
    if kind == "JSONField":
        return lambda value: None if value is None else target.get_db_prep_save(value, connection)
    return None
