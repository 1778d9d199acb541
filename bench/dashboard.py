"""Benchmark: the staff dashboard's reads on a campaign of N ballots × 40 rated units, on PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/dashboard.py [--ballots N] [--keep]

Loads the same synthetic campaign as bench/scoring.py (one stratified and raked group, 6 districts,
ballots and unit-score rows inserted with generate_series; secondary indexes of the score table
dropped as a bulk load does, then its (group, unit) index built again, as the live table has it),
then times, alternating and keeping the faster of two:

* the dashboard's reads (`staff.selectors.campaign_dashboard`: turnout, districts, channels, days,
  pending, units below the minimum),
* the baseline: the one bare `SELECT unit_id, count(*) FROM surveys_ballotunitscore GROUP BY unit_id`
  that any "units below the minimum" figure needs.

The page refreshes every minute: its reads must stay well under that, and under the 10 s any
request may take.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import UNITS, build_campaign, django_setup, drop_database, load_ballots, scratch_database, timed


def bare_unit_counts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT unit_id, count(*) FROM surveys_ballotunitscore GROUP BY unit_id")
        return cursor.fetchall()


def report(n: int) -> None:
    from django.db import connection, transaction

    from staff.selectors import campaign_dashboard

    print(f"bench/dashboard.py: {n:,} ballots × {UNITS} units; {os.cpu_count()} CPUs; "
          f"PostgreSQL {connection.cursor().connection.info.server_version}")
    with transaction.atomic():
        campaign, group, question, units, _ = build_campaign(n)
        with connection.cursor() as cursor:
            load_seconds, _ = timed(lambda: load_ballots(cursor, n, campaign, group, question, units))
    with connection.cursor() as cursor:
        # The score rows' (group, unit) index, which the bulk load dropped: the live table has it, and
        # the dashboard's per-unit counts read it (up to the minimum per unit).
        index_seconds, _ = timed(lambda: cursor.execute(
            "CREATE INDEX ballot_unit_score_group_unit ON surveys_ballotunitscore (group_id, unit_id)"))
        cursor.execute("VACUUM ANALYZE")
    print(f"load {load_seconds:.1f} s, the (group, unit) index {index_seconds:.1f} s")
    bare_times, board_times, board = [], [], None
    for _ in range(2):
        seconds, rows = timed(bare_unit_counts)
        bare_times.append(seconds)
        seconds, board = timed(lambda: campaign_dashboard(campaign))
        board_times.append(seconds)
    assert sum(r[1] for r in rows) == n * UNITS and board.ballots == n
    bare, dashboard = min(bare_times), min(board_times)
    print(f"    bare GROUP BY unit over the score rows {bare:8.2f} s   (runs: {', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"    dashboard reads                        {dashboard:8.2f} s   (runs: {', '.join(f'{t:.2f}' for t in board_times)})")
    print(f"    dashboard / bare GROUP BY              {dashboard / bare:8.2f} ×  (target < 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    bench_url, admin = scratch_database(os.environ.get("DATABASE_URL", ""))
    try:
        django_setup(bench_url)
        report(args.ballots)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin)


if __name__ == "__main__":
    main()
