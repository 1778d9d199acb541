"""Benchmark: score a campaign of N synthetic ballots × 40 rated units on PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/scoring.py [--ballots N] [--keep] [--no-r]

Creates a scratch database next to DATABASE_URL's (`<name>_bench`), migrates it, loads N ballots of
one stratified and raked group (6 districts × 3 age bands × 2 sexes) each rating the same 40 units
on a 0–10 scale, straight into the real tables with INSERT … SELECT generate_series; each unit score
points at its ballot's weighting cell as casting stores it (`surveys.ballots.cell_key`). Then, in
the same run, it times

* scoring end to end (`scoring.services.score_run_create`: the GROUP BY queries, the statistics,
  the ScoreRun and UnitScore rows),
* (a) the bare `SELECT unit, question, count(*), sum(value) … GROUP BY` over the same answers,
* (b) R's survey package on the same ballots exported to CSV, when Rscript is installed: the same
  design (strata with fpc, calibrate(calfun="raking")) and a domain mean per unit — what
  svyby(~score, ~unit, design, svymean) does — and checks that R's numbers equal ours.

It prints seconds, peak memory (ru_maxrss of this process, and of R) and the ratios, and drops the
scratch database unless --keep. Targets at N = 1 000 000: scoring ≤ 1.5 × the bare GROUP BY,
faster than R, < 2 GB.
"""
import argparse
import csv
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS = 40
DISTRICTS = {"D1": 820_000, "D2": 640_000, "D3": 510_000, "D4": 300_000, "D5": 110_000, "D6": 70_000}
AGE = {"18-34": 0.30, "35-59": 0.45, "60+": 0.25}
AGE_RESPONSE = {"18-34": 0.7, "35-59": 1.0, "60+": 1.9}
AGE_EFFECT = {"18-34": -0.6, "35-59": 0.0, "60+": 0.5}
SEX = {"M": 0.505, "F": 0.495}
SLUG = "bench-scoring"


# --- Scratch database ------------------------------------------------------------------------------

def scratch_database(url: str) -> tuple[str, dict]:
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/scoring.py needs PostgreSQL: run it as scripts/with-postgres.sh .venv/bin/python bench/scoring.py")
    name = f"{config['NAME']}_bench"
    admin = dict(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"],
                 password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, admin | {"name": name}


def drop_database(admin: dict) -> None:
    name = admin.pop("name")
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minping.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Campaign and synthetic ballots ------------------------------------------------------------------

def shares(d: dict, total: int) -> dict:
    counts = {k: int(round(v * total)) for k, v in d.items()}
    counts[list(counts)[-1]] += total - sum(counts.values())
    return counts


def build_campaign(n: int):
    from surveys.models import Campaign, CensusMargin, EvaluatorGroup, Option, Question, Questionnaire, Unit
    from surveys.services import campaign_set_status

    # A census large enough that no district is sampled beyond its population (sqrt allocation).
    scale = max(1, math.ceil(n / 200_000))
    districts = {d: p * scale for d, p in DISTRICTS.items()}
    questionnaire = Questionnaire.objects.create(name="bench")
    overall = Question.objects.create(questionnaire=questionnaire, key="overall", text="总体满意度（0–10）",
                                      kind="scale", per_unit=True, weight=1, min_value=0, max_value=10, order=1)
    for order, (key, levels) in enumerate((("district", DISTRICTS), ("age", AGE), ("sex", SEX)), start=2):
        q = Question.objects.create(questionnaire=questionnaire, key=key, text=key, kind="choice", order=order)
        Option.objects.bulk_create(Option(question=q, value=v, label=v, order=i) for i, v in enumerate(levels))
    campaign = Campaign.objects.create(slug=SLUG, title="bench", year=2026, questionnaire=questionnaire)
    total = sum(districts.values())
    margins = {"district": districts, "age": shares(AGE, total), "sex": shares(SEX, total)}
    CensusMargin.objects.bulk_create(CensusMargin(campaign=campaign, variable=v, level=level, population=p)
                                     for v, levels in margins.items() for level, p in levels.items())
    units = [Unit.objects.create(code=f"B-{i + 1:02d}", name=f"单位{i + 1}", kind="street_office")
             for i in range(UNITS)]
    group = EvaluatorGroup.objects.create(campaign=campaign, key="residents", name="居民", weight=1,
                                          population_size=total, stratify_by="district",
                                          rake_on=["district", "age", "sex"])
    group.units.set(units)
    campaign_set_status(campaign=campaign, status="open", actor="bench")
    return campaign, group, overall, units, margins


def _pick(column: str, probabilities: dict) -> str:
    """CASE expression turning a uniform random column into a level with the given probabilities."""
    total = sum(probabilities.values())
    parts, cumulative = [], 0.0
    for level, p in list(probabilities.items())[:-1]:
        cumulative += p / total
        parts.append(f"WHEN {column} < {cumulative!r} THEN '{level}'")
    return f"CASE {' '.join(parts)} ELSE '{list(probabilities)[-1]}' END"


def load_ballots(cursor, n: int, campaign, group, question, units) -> None:
    """N ballots × 40 answers and unit scores, generated inside PostgreSQL."""
    district_p = {d: math.sqrt(p) for d, p in DISTRICTS.items()}  # small districts over-sampled
    age_p = {a: AGE[a] * AGE_RESPONSE[a] for a in AGE}            # the elderly answer more
    age_effect = " ".join(f"WHEN '{a}' THEN {e}" for a, e in AGE_EFFECT.items())
    cursor.execute("SELECT setseed(0.2026)")
    cursor.execute(f"""
        CREATE UNLOGGED TABLE bench_ballot AS
        SELECT i, md5('bench' || i)::uuid AS id, {_pick('r1', district_p)} AS district,
               {_pick('r2', age_p)} AS age, {_pick('r3', {'F': 0.53, 'M': 0.47})} AS sex, r4
        FROM (SELECT i, random() r1, random() r2, random() r3, random() r4 FROM generate_series(1, {n}) i) s""")
    cursor.execute("ALTER TABLE bench_ballot ADD COLUMN effect float8")
    cursor.execute(f"UPDATE bench_ballot SET effect = (CASE age {age_effect} END) + (r4 - 0.5) * 2")
    cursor.execute("CREATE UNLOGGED TABLE bench_unit (id bigint, k int)")
    cursor.executemany("INSERT INTO bench_unit VALUES (%s, %s)", [(u.id, k) for k, u in enumerate(units)])
    cursor.execute(f"""
        INSERT INTO surveys_ballot (id, campaign_id, group_id, channel, received_on, profile, suspected_duplicate)
        SELECT id, {campaign.id}, {group.id}, 'online', DATE '2026-03-01',
               jsonb_build_object('district', district, 'age', age, 'sex', sex), false
        FROM bench_ballot""")
    # A deterministic 0–10 answer: unit quality + the person's leaning + hashed noise.
    value = ("LEAST(10, GREATEST(0, round(6.5 + (u.k % 8) * 0.35 + b.effect"
             " + ((hashint8(b.i::bigint * 64 + u.k) & 1023) / 1023.0 - 0.5) * 5)))")
    # Bulk load as pg_restore does: secondary indexes are not maintained row by row (the scratch
    # database is dropped afterwards; the timed queries are full scans that use none of them), and
    # foreign-key triggers are off for the load (the rows reference existing ballots and units).
    drop_secondary_indexes(cursor, ["surveys_answer", "surveys_ballotunitscore"])
    cursor.execute("SET session_replication_role = replica")
    cursor.execute(f"""
        INSERT INTO surveys_answer (ballot_id, question_id, unit_id, option_id, number, text, choices)
        SELECT b.id, {question.id}, u.id, NULL, {value}, '', NULL FROM bench_ballot b CROSS JOIN bench_unit u""")
    # The cell as casting stores it: a WeightingCell whose key is the profile values of the group's
    # design keys joined by CELL_SEPARATOR (bench_ballot has a column per profile question, none empty).
    key = " || chr(31) || ".join(f"b.{key}" for key in group.design_keys())
    cursor.execute(f"""INSERT INTO surveys_weightingcell (group_id, key)
                       SELECT DISTINCT {group.id}, {key} FROM bench_ballot b""")
    cursor.execute("ALTER TABLE bench_ballot ADD COLUMN cell_id bigint")
    cursor.execute(f"""UPDATE bench_ballot b SET cell_id = c.id FROM surveys_weightingcell c
                       WHERE c.group_id = {group.id} AND c.key = {key}""")
    cursor.execute(f"""
        INSERT INTO surveys_ballotunitscore (ballot_id, group_id, unit_id, score, cell_id)
        SELECT b.id, {group.id}, u.id, {value} * 10.0, b.cell_id FROM bench_ballot b CROSS JOIN bench_unit u""")
    cursor.execute("SET session_replication_role = DEFAULT")
    check_cells(cursor, group)


def check_cells(cursor, group) -> None:
    """The SQL-built cells are what `cell_key` gives for the ballots' profiles (a sample)."""
    from surveys.ballots import cell_key

    cursor.execute("""SELECT b.profile, c.key FROM surveys_ballot b JOIN surveys_ballotunitscore s
                      ON s.ballot_id = b.id JOIN surveys_weightingcell c ON c.id = s.cell_id
                      WHERE b.id IN (SELECT id FROM bench_ballot WHERE i <= 100)""")
    rows = cursor.fetchall()
    keys = group.design_keys()
    profiles = [(json.loads(p) if isinstance(p, str) else p, cell) for p, cell in rows]  # Django reads jsonb as text
    assert profiles and all(cell == cell_key(keys, p) for p, cell in profiles), "cell keys differ from casting"


def drop_secondary_indexes(cursor, tables: list[str]) -> None:
    cursor.execute("""SELECT i.tablename, i.indexname, c.conname IS NOT NULL FROM pg_indexes i
                      LEFT JOIN pg_constraint c ON c.conname = i.indexname
                      WHERE i.tablename = ANY(%s) AND i.indexname NOT LIKE '%%_pkey'""", [tables])
    for table, index, is_constraint in cursor.fetchall():
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{index}"' if is_constraint
                       else f'DROP INDEX "{index}"')


# --- Measurements ----------------------------------------------------------------------------------

def timed(func):
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def bare_group_by(question_id: int):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT unit_id, question_id, count(*), sum(number) FROM surveys_answer "
                       "WHERE question_id = %s GROUP BY unit_id, question_id", [question_id])
        return cursor.fetchall()


def score(campaign):
    from scoring.services import score_run_create

    return score_run_create(campaign=campaign, actor="bench/scoring.py")


def export_csv(cursor, group, units, path: Path) -> None:
    """One row per ballot: profile and the score of each unit (the ballot-level design R needs)."""
    columns = ", ".join(f"max(s.score) FILTER (WHERE s.unit_id = {u.id}) AS s{k + 1:02d}" for k, u in enumerate(units))
    sql = (f"COPY (SELECT b.profile->>'district' AS district, b.profile->>'age' AS age, b.profile->>'sex' AS sex, "
           f"{columns} FROM surveys_ballot b JOIN surveys_ballotunitscore s ON s.ballot_id = b.id "
           f"WHERE b.group_id = {group.id} GROUP BY b.id) TO STDOUT WITH CSV HEADER")
    with path.open("wb") as out, cursor.copy(sql) as copy:
        for chunk in copy:
            out.write(chunk)


R_SCRIPT = r"""
suppressWarnings(suppressMessages({library(survey); library(data.table)}))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- as.data.frame(fread(args[1]))
t1 <- proc.time()[["elapsed"]]
districts <- c(%(districts)s)
d$fpc <- districts[d$district]
des <- svydesign(ids = ~1, strata = ~district, fpc = ~fpc, data = d)
pop <- c(%(population)s)
des <- calibrate(des, ~district + age + sex, pop, calfun = "raking", epsilon = 1e-10, maxit = 100)
units <- grep("^s[0-9]+$", names(d), value = TRUE)
out <- t(sapply(units, function(u) {
  # what svyby(~score, ~unit, design, svymean) does for each unit: the mean over the subset that rated it
  m <- svymean(as.formula(paste0("~", u)), subset(des, !is.na(d[[u]])))
  c(coef(m), SE(m))
}))
t2 <- proc.time()[["elapsed"]]
write.csv(data.frame(unit = units, est = out[, 1], se = out[, 2]), args[2], row.names = FALSE)
cat(sprintf("R_READ %%.3f\nR_ESTIMATE %%.3f\n", t1 - t0, t2 - t1))
"""


def r_population(margins: dict) -> str:
    """calibrate()'s population vector: intercept + treatment-coded levels, R's column names."""
    total = sum(margins["district"].values())
    parts = [f'"(Intercept)" = {total}']
    for variable in ("district", "age", "sex"):
        for level in sorted(margins[variable])[1:]:
            parts.append(f'"{variable}{level}" = {margins[variable][level]}')
    return ", ".join(parts)


def run_r(path: Path, out: Path, margins: dict) -> dict:
    script = R_SCRIPT % {"districts": ", ".join(f'"{d}" = {p}' for d, p in margins["district"].items()),
                         "population": r_population(margins)}
    script_path = path.with_suffix(".R")
    script_path.write_text(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, proc = timed(lambda: subprocess.run(["Rscript", str(script_path), str(path), str(out)],
                                                 capture_output=True, text=True))
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{proc.stderr}")
    figures = dict(line.split() for line in proc.stdout.splitlines() if line.startswith("R_"))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "read": float(figures["R_READ"]), "estimate": float(figures["R_ESTIMATE"]),
            "peak_mb": max(peak, before) / 1024}


def compare_with_r(run, out: Path) -> tuple[float, float]:
    ours = {u.code: u for u in run.outcome.units}
    worst_est = worst_se = 0.0
    with out.open() as f:
        for row in csv.DictReader(f):
            unit = ours[f"B-{row['unit'][1:]}"]
            worst_est = max(worst_est, abs(unit.score - float(row["est"])) / abs(float(row["est"])))
            worst_se = max(worst_se, abs(unit.se - float(row["se"])) / float(row["se"]))
    return worst_est, worst_se


# --- Main ------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-r", action="store_true", help="skip R even when Rscript is installed")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    bench_url, admin = scratch_database(url)
    try:
        django_setup(bench_url)
        report(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin)


def report(args) -> None:
    from django.db import connection, transaction

    from surveys.services import campaign_set_status

    n = args.ballots
    print(f"bench/scoring.py: {n:,} ballots × {UNITS} units = {n * UNITS:,} answers; "
          f"{os.cpu_count()} CPUs; PostgreSQL {connection.cursor().connection.info.server_version}")
    with transaction.atomic():
        campaign, group, question, units, margins = build_campaign(n)
        with connection.cursor() as cursor:
            load_seconds, _ = timed(lambda: load_ballots(cursor, n, campaign, group, question, units))
        campaign_set_status(campaign=campaign, status="closed", actor="bench")
    with connection.cursor() as cursor:
        vacuum_seconds, _ = timed(lambda: cursor.execute("VACUUM ANALYZE"))
    print(f"load {load_seconds:.1f} s, vacuum analyze {vacuum_seconds:.1f} s")

    # Each measured twice, alternating, and the faster kept: neither profits alone from a warm cache.
    bare_times, score_times, run = [], [], None
    for _ in range(2):
        seconds, rows = timed(lambda: bare_group_by(question.id))
        bare_times.append(seconds)
        seconds, run = timed(lambda: score(campaign))
        score_times.append(seconds)
    assert sum(r[2] for r in rows) == n * UNITS
    bare, scoring = min(bare_times), min(score_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(a) bare GROUP BY over the answers   {bare:8.2f} s   (runs: {', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"    scoring end to end (run {run.number})     {scoring:8.2f} s   (runs: {', '.join(f'{t:.2f}' for t in score_times)})")
    print(f"    scoring / bare GROUP BY            {scoring / bare:8.2f} ×  (target ≤ 1.5)")
    print(f"    peak memory of this process        {peak_mb:8.0f} MB  (target < 2048; PostgreSQL's own not included)")

    if args.no_r or shutil.which("Rscript") is None:
        print("(b) R: skipped (Rscript not installed or --no-r)")
        return
    with tempfile.TemporaryDirectory(prefix="minping-bench-") as tmp:
        path, out = Path(tmp) / "ballots.csv", Path(tmp) / "r.csv"
        with connection.cursor() as cursor:
            export_seconds, _ = timed(lambda: export_csv(cursor.connection.cursor(), group, units, path))
        r = run_r(path, out, margins)
        worst_est, worst_se = compare_with_r(run, out)
    print(f"(b) R survey {r_version()}: total {r['seconds']:.2f} s (read CSV {r['read']:.2f} s, "
          f"design + calibrate + 40 domain means {r['estimate']:.2f} s), peak {r['peak_mb']:.0f} MB; "
          f"CSV export {export_seconds:.1f} s (not counted)")
    print(f"    R total / scoring                  {r['seconds'] / scoring:8.2f} ×  (target > 1)")
    print(f"    R estimation only / scoring        {r['estimate'] / scoring:8.2f} ×")
    print(f"    agreement with R: estimates {worst_est:.1e}, SEs {worst_se:.1e} (largest relative difference)")


def r_version() -> str:
    proc = subprocess.run(["Rscript", "-e", 'cat(as.character(packageVersion("survey")))'],
                          capture_output=True, text=True)
    return proc.stdout.strip() or "?"


if __name__ == "__main__":
    main()
