"""Fast inserts of many rows, for the demo seeder, paper imports and benchmarks.

`bulk_create` builds a model instance per row and compiles SQL per batch; at hundreds of
thousands of answers that costs more than the database itself. Here rows are plain tuples
and go to the database with COPY (PostgreSQL) or one prepared statement and `executemany`.
"""
from collections.abc import Iterable, Sequence

from django.db import connection


def insert_rows(model, field_names: Sequence[str], rows: Iterable[Sequence], batch_size: int = 5000) -> int:
    """Insert `rows` (tuples in the order of `field_names`, attnames such as `ballot_id`) into `model`.

    Values of UUID and JSON fields are converted for the database here; everything else is
    passed as it is. Runs in the caller's transaction. Returns the number of rows inserted.
    """
    fields = [model._meta.get_field(name.removesuffix("_id")) if name.endswith("_id") else model._meta.get_field(name)
              for name in field_names]
    converters = [_converter(f) for f in fields]
    prepared = (tuple(value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True))
                for row in rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        return _copy_rows(table, columns, prepared)
    return _execute_many(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                         prepared, batch_size)


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
