"""A 100,000-row paper import runs in bounded memory: rows are streamed and written in batches."""
import csv
import tracemalloc

import pytest

from surveys.models import Ballot
from surveys.paper import import_paper_ballots

# Committed, on a connection of its own: the imports commit as in production, so PostgreSQL checks
# their deferred foreign keys at each import's commit with plans made for this test's tables. Inside
# the usual test transaction the checks of all 105,000 ballots waited for the teardown, on the
# worker's long-lived connection, whose cached plans were made in earlier tests: in one CI run they
# scanned whole tables for each row and took over ten minutes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_connection():
    from django.db import connection

    connection.close()

ROWS = 100_000


def _big_csv(path, group, rows):
    unit = group.units.order_by("code").first().code
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["district", "age", "sex", f"{unit}:overall"])
        writer.writerow(["区", "年龄", "性别", "总体"])
        grades = ("非常满意", "满意", "3", "2", "1")
        for i in range(rows):
            writer.writerow(["D1" if i % 3 else "D2", ("18-34", "35-59", "60+")[i % 3], "MF"[i % 2], grades[i % 5]])
    return path


def _peak_mib(group, path, dry_run=False) -> tuple[float, int]:
    tracemalloc.start()
    try:
        result = import_paper_ballots(group=group, path=path, actor="tests", dry_run=dry_run)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok, [str(p) for p in result.problems[:5]]
    return peak / 2**20, result.ballots


def test_a_hundred_thousand_rows_import_in_bounded_memory(tmp_path, residents):
    small_peak, small = _peak_mib(residents, _big_csv(tmp_path / "small.csv", residents, ROWS // 20))
    big_peak, big = _peak_mib(residents, _big_csv(tmp_path / "big.csv", residents, ROWS))
    assert (small, big) == (ROWS // 20, ROWS)
    assert Ballot.objects.filter(channel="paper").count() == ROWS + ROWS // 20
    # Twenty times the rows: memory held in proportion to the file would be ~20× (and, at 100,000
    # ballots of tuples and ids, well over 50 MiB). What remains is batch-sized, plus the
    # garbage collector's timing, which depends on what ran before in the same process.
    assert big_peak < 5 * small_peak + 5, (small_peak, big_peak)
    assert big_peak < 32, big_peak
