"""Settling throughput: pending ballots written out as rows, against a bare COPY of the same rows.

    scripts/with-postgres.sh .venv/bin/python bench/settle.py [--ballots 3000] [--rounds 3]

The run prepares the database named by DATABASE_URL (migrate, the demo city), then fills the
pending table with `--ballots` whole delegates' ballots (40 city organs × overall + 4 dimensions,
plus the profile questions: 203 answer rows, 40 score rows and the ballot row each, ≈ 244 rows)
and times `surveys.ballots.ballots_settle` writing them out in one process. The baseline is a bare
COPY of rows of the same shape into the same tables (same indexes, constraints and triggers), in
transactions of the settler's batch size, with every row built before the clock starts: what the
database alone takes. One process and the baseline run in rounds, alternating which goes first,
and the ratio is the median of the rounds' ratios (a shared machine's speed drifts within a minute).
Then 2 and 4 settler processes share one backlog, and the run checks that each pending ballot was
written exactly once.

Last, where the time goes: the same COPY into new, empty stand-ins of the three tables, first with
their columns only (no index, constraint or trigger: the ceiling of any writer of these rows, with
no integrity kept at all), then with their indexes and check constraints but no foreign keys.

Targets: ≥ 1,000 ballots/s in one process, and ≥ 0.5 × the bare COPY. A missed target is printed,
not an error; the exit status is non-zero only when settling wrote a wrong number of rows.

It writes to the database (the demo city, ballots): use a throw-away one only.
"""
import argparse
import io
import multiprocessing
import os
import platform
import random
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import setup_django  # noqa: E402

CAMPAIGN = "demo-2026"
GROUP = "delegates"
DIMENSIONS = ("attitude", "efficiency", "lawful", "integrity")
TARGET_RATE = 1000
TARGET_RATIO = 0.5
NULL = "\\N"   # COPY's text format


def prepare() -> int:
    """Migrate and load the demo city (once); return the delegates' group id."""
    from django.core.management import call_command

    from surveys import demo
    from surveys.models import EvaluatorGroup

    call_command("migrate", interactive=False, verbosity=0)
    if not demo.demo_exists():
        call_command("seed_demo", ballots=200, seed=1, verbosity=0, stdout=io.StringIO())
    return EvaluatorGroup.objects.get(campaign__slug=CAMPAIGN, key=GROUP).id


def packed_ballots(group_id: int, variants: int = 16) -> list[tuple[str, dict]]:
    """A few whole delegates' ballots, validated and packed as casting stores them."""
    from surveys.ballots import AnswerIn, ballot_sheet, validate_answers
    from surveys.ballots.validation import packed_text
    from surveys.models import EvaluatorGroup

    sheet = ballot_sheet(EvaluatorGroup.objects.select_related("campaign__questionnaire").get(pk=group_id))
    rng = random.Random(1)
    ballots = []
    for _ in range(variants):
        answers = []
        for unit in sheet.units:
            answers.append(AnswerIn("overall", unit.code, rng.choice("2345")))
            answers += [AnswerIn(q, unit.code, rng.choice("12345")) for q in DIMENSIONS]
        answers += [AnswerIn("district", None, rng.choice(["D1", "D2", "D3"])), AnswerIn("age", None, "35-59"),
                    AnswerIn("sex", None, rng.choice("MF"))]
        clean = validate_answers(sheet, answers)
        ballots.append((packed_text(clean.answers), clean.profile))
    return ballots


def fill_pending(group_id: int, campaign_id: int, ballots: list[tuple[str, dict]], count: int) -> int:
    """`count` pending ballots (random picks of `ballots`); return their answers in all."""
    from django.db import transaction
    from django.utils import timezone

    from minping.lib.bulk import insert_rows
    from surveys.ballots.casting import PENDING_COLUMNS
    from surveys.models import PendingBallot

    today, rng = timezone.localdate(), random.Random(count)
    picks = [rng.choice(ballots) for _ in range(count)]
    with transaction.atomic():
        insert_rows(PendingBallot, PENDING_COLUMNS, [(uuid.uuid4(), campaign_id, group_id, "online", today, profile,
                                                      False, answers) for answers, profile in picks])
    return sum(answers.count("[") - 1 for answers, _profile in picks)


def counts(group_id: int) -> tuple[int, int, int]:
    """The group's ballots, their answers, and its ballots still pending."""
    from surveys.models import Answer, Ballot, PendingBallot

    return (Ballot.objects.filter(group_id=group_id).count(), Answer.objects.filter(ballot__group_id=group_id).count(),
            PendingBallot.objects.filter(group_id=group_id).count())


def settle_in_processes(campaign_id: int, processes: int) -> tuple[float, float]:
    """Settle the whole backlog with `processes` settlers at once; return the wall-clock seconds and
    the settlers' CPU seconds (Python and the driver: PostgreSQL's own work is not in it)."""
    from django.db import connections

    connections.close_all()   # before fork: each settler opens its own connection
    context = multiprocessing.get_context("fork")
    go = context.Event()
    workers = [context.Process(target=_settler, args=(campaign_id, go)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)   # all started and imported before the clock
    cpu = _children_cpu()
    started = time.monotonic()
    go.set()
    for worker in workers:
        worker.join()
    return time.monotonic() - started, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _settler(campaign_id: int, go) -> None:
    from surveys.ballots import ballots_settle

    go.wait()
    ballots_settle(campaign_id=campaign_id, min_batch=1)


TABLES = ("surveys_ballot", "surveys_answer", "surveys_ballotunitscore")


def bare_copy(group_id: int, campaign_id: int, ballots: list[tuple[str, dict]], count: int, batch: int,
              tables: tuple[str, ...] = TABLES) -> float:
    """COPY `count` ballots' rows, built before the clock, in transactions of `batch` ballots, into
    `tables` (the ballot, answer and score tables, or stand-ins with their columns); seconds."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from surveys.ballots import cell_ids, cell_key
    from surveys.ballots.rows import ANSWER_COLUMNS, BALLOT_COLUMNS, SCORE_COLUMNS
    from surveys.models import EvaluatorGroup

    group = EvaluatorGroup.objects.get(pk=group_id)
    design = group.design_keys()
    with transaction.atomic():
        cells = cell_ids(group_id, {cell_key(design, profile) for _answers, profile in ballots})
    today, rng = timezone.localdate().isoformat(), random.Random(-count)
    batches = []
    for start in range(0, count, batch):
        ballot_lines, answer_lines, score_lines = [], [], []
        for _ in range(min(batch, count - start)):
            answers, profile = rng.choice(ballots)
            ballot_id = str(uuid.uuid4())
            ballot_lines.append(f"{ballot_id}\t{campaign_id}\t{group_id}\tonline\t{today}\t"
                                f"{json.dumps(profile, ensure_ascii=False)}\tf\n")
            cell, units = cells[cell_key(design, profile)], set()
            for question, unit, option in json.loads(answers):
                unit_text = NULL if unit is None else unit
                # number, text, choices, commitment: empty, as in a grade answer
                answer_lines.append(f"{ballot_id}\t{question}\t{unit_text}\t{option}\t\\N\t\t\\N\t\\N\n")
                units.add(unit)
            score_lines += [f"{ballot_id}\t{group_id}\t{unit}\t75.5\t{cell}\n" for unit in units if unit is not None]
        batches.append(("".join(ballot_lines), "".join(answer_lines), "".join(score_lines)))
    tables = list(zip(tables, (BALLOT_COLUMNS, ANSWER_COLUMNS, SCORE_COLUMNS), strict=True))
    started = time.monotonic()
    for texts in batches:
        with transaction.atomic(), connection.cursor() as cursor:
            for (table, columns), text in zip(tables, texts, strict=True):
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(text)
    return time.monotonic() - started


def bare_copy_into_stand_ins(group_id: int, campaign_id: int, ballots: list[tuple[str, dict]], count: int, batch: int,
                             *, indexes: bool) -> float:
    """`bare_copy` into new, empty stand-ins of the three tables, dropped afterwards: with their
    columns only, or (`indexes`) with their indexes and check constraints too; never with their
    foreign keys or triggers. What a writer of these rows could reach keeping that much."""
    from django.db import connection

    keep = "INCLUDING DEFAULTS INCLUDING IDENTITY" + (" INCLUDING INDEXES INCLUDING CONSTRAINTS" if indexes else "")
    stand_ins = tuple(f"bench_stand_in_{table}" for table in TABLES)
    with connection.cursor() as cursor:
        for table, stand_in in zip(TABLES, stand_ins, strict=True):
            cursor.execute(f"CREATE TABLE {stand_in} (LIKE {table} {keep})")
    try:
        return bare_copy(group_id, campaign_id, ballots, count, batch, tables=stand_ins)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {', '.join(stand_ins)}")


def machine_line() -> str:
    load = os.getloadavg()
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load[0]:.1f} (other programs share the cores: figures drift)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=3000, help="pending ballots per phase, default 3000")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one process vs bare COPY, default 3")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from surveys.ballots.settling import SETTLE_BATCH
    from surveys.models import Campaign

    if connection.vendor != "postgresql":
        print("bench/settle.py needs PostgreSQL: run it under scripts/with-postgres.sh")
        return 2
    group_id = prepare()
    campaign_id = Campaign.objects.get(slug=CAMPAIGN).id
    ballots = packed_ballots(group_id)
    print(machine_line())
    print(f"{args.ballots} pending delegates' ballots a phase, ≈ {sum(a.count('[') - 1 for a, _ in ballots) / len(ballots) + 41:.0f} "
          f"rows each; batches of {SETTLE_BATCH}")
    ok = True

    cpu_per_ballot = []

    def settle_phase(processes: int) -> float:
        nonlocal ok
        before_ballots, before_answers, _ = counts(group_id)
        packed = fill_pending(group_id, campaign_id, ballots, args.ballots)
        seconds, cpu = settle_in_processes(campaign_id, processes)
        cpu_per_ballot.append(cpu / args.ballots)
        after_ballots, after_answers, left = counts(group_id)
        if (after_ballots - before_ballots, after_answers - before_answers, left) != (args.ballots, packed, 0):
            print(f"  WRONG: {after_ballots - before_ballots} ballots and {after_answers - before_answers} answers "
                  f"written for {args.ballots} and {packed}; {left} left pending")
            ok = False
        return args.ballots / seconds

    ones, copies = [], []
    for round_number in range(args.rounds):
        order = ("settle", "copy") if round_number % 2 == 0 else ("copy", "settle")
        for phase in order:
            if phase == "settle":
                ones.append(settle_phase(1))
            else:
                copies.append(args.ballots / bare_copy(group_id, campaign_id, ballots, args.ballots, SETTLE_BATCH))
    one = statistics.median(ones)
    ratio = statistics.median(s / c for s, c in zip(ones, copies, strict=True))
    print(f"settle, 1 process:   {one:.0f} ballots/s  (rounds: {', '.join(f'{r:.0f}' for r in ones)}; "
          f"settler CPU {statistics.median(cpu_per_ballot) * 1000:.2f} ms per ballot)"
          f"  target ≥ {TARGET_RATE}: {'met' if one >= TARGET_RATE else 'MISSED'}")
    for processes in (2, 4):
        rate = settle_phase(processes)
        print(f"settle, {processes} processes: {rate:.0f} ballots/s  ({rate / one:.2f} × one process)")
    print(f"bare COPY:           {statistics.median(copies):.0f} ballots/s  (rounds: "
          f"{', '.join(f'{r:.0f}' for r in copies)})")
    print(f"ratio settle / bare COPY: {ratio:.2f} (median of the rounds)  target ≥ {TARGET_RATIO}: "
          f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}")
    for indexes, label in ((False, "columns only"), (True, "indexes, no foreign keys")):
        rate = args.ballots / bare_copy_into_stand_ins(group_id, campaign_id, ballots, args.ballots, SETTLE_BATCH,
                                                       indexes=indexes)
        print(f"bare COPY into empty tables, {label + ':':25s} {rate:.0f} ballots/s")
    print(machine_line())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
