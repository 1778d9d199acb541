"""Fast inserts of many rows, for the demo seeder, paper imports and benchmarks.

`bulk_create` builds a model instance per row and compiles SQL per batch; at hundreds of
thousands of answers that costs more than the database itself. Here rows are plain tuples
and go to the database with one prepared statement and `executemany`.
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
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    converters = [_converter(f) for f in fields]
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(value if convert is None else convert(value) for convert, value in zip(converters, row)))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
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
