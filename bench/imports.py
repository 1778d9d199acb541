"""Benchmark: importing paper ballots from CSV and XLSX, against a bare ORM bulk_create.

    scripts/with-postgres.sh .venv/bin/python bench/imports.py [--rows 100000]

100,000 paper ballots of the demo's delegates (40 city organs × the overall grade, plus the
three profile answers) are written to a CSV and an XLSX file, then imported with
`import_paper_ballots` (validation, scores, one transaction). The baseline, in the same run,
is Django's `bulk_create` of the same ballots and answers with no validation at all. Each phase
runs in a forked child so that its peak memory (max RSS) is its own.
"""
import argparse
import csv
import os
import platform
import random
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.environment import setup_django  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.forked import measure  # noqa: E402
from surveys.models import Answer, Ballot, BallotUnitScore, EvaluatorGroup, PaperImport  # noqa: E402

GRADES = ("5", "4", "满意", "基本满意", "2")


def prepare() -> EvaluatorGroup:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", ballots=0, reset=True, stdout=open(os.devnull, "w"))
    return EvaluatorGroup.objects.get(campaign__slug="demo-2026", key="delegates")


def write_files(group: EvaluatorGroup, rows: int, folder: Path) -> tuple[Path, Path]:
    units = list(group.units.order_by("code").values_list("code", flat=True))
    keys = ["district", "age", "sex", *[f"{u}:overall" for u in units]]
    rng = random.Random(1)
    data = [[rng.choice(("D1", "D2", "D3")), rng.choice(("18-34", "35-59", "60+")), rng.choice("MF"),
             *[rng.choice(GRADES) for _ in units]] for _ in range(rows)]
    csv_path = folder / "ballots.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        writer.writerow(keys)
        writer.writerows(data)
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(keys)
    sheet.append(keys)
    for row in data:
        sheet.append(row)
    xlsx_path = folder / "ballots.xlsx"
    workbook.save(xlsx_path)
    return csv_path, xlsx_path


def clear() -> None:
    with transaction.atomic():
        BallotUnitScore.objects.all().purge()
        Answer.objects.all().purge()
        Ballot.objects.all().purge()
        PaperImport.objects.all().delete()


def import_file(group_id: int, path: str) -> int:
    from surveys.paper import import_paper_ballots

    group = EvaluatorGroup.objects.select_related("campaign").get(pk=group_id)
    result = import_paper_ballots(group=group, path=Path(path), actor="bench", force=True)
    assert result.ok, [str(p) for p in result.problems[:5]]
    return result.ballots


def bulk_create_same(group_id: int, rows: int) -> int:
    """The baseline: the same ballots and answers as model instances, bulk_create, no checks."""
    group = EvaluatorGroup.objects.select_related("campaign").get(pk=group_id)
    questions = {q.key: q for q in group.campaign.questionnaire.questions.prefetch_related("options")}
    options = {key: {o.value: o for o in q.options.all()} for key, q in questions.items()}
    label_to_value = {"满意": "4", "基本满意": "3"}
    units = list(group.units.order_by("code"))
    rng = random.Random(1)
    today = timezone.localdate()
    with transaction.atomic():
        for start in range(0, rows, 1000):
            ballots, answers = [], []
            for _ in range(min(1000, rows - start)):
                profile = {"district": rng.choice(("D1", "D2", "D3")), "age": rng.choice(("18-34", "35-59", "60+")),
                           "sex": rng.choice("MF")}
                ballot = Ballot(id=uuid.uuid4(), campaign=group.campaign, group=group, channel="paper",
                                received_on=today, profile=profile)
                ballots.append(ballot)
                answers += [Answer(ballot=ballot, question=questions[k], option=options[k][v]) for k, v in profile.items()]
                for unit in units:
                    grade = rng.choice(GRADES)
                    answers.append(Answer(ballot=ballot, question=questions["overall"], unit=unit,
                                          option=options["overall"][label_to_value.get(grade, grade)]))
            Ballot.objects.bulk_create(ballots)
            Answer.objects.bulk_create(answers, batch_size=5000)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    engine = connections["default"].vendor
    group = prepare()
    units = group.units.count()
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = write_files(group, args.rows, Path(folder))
        results = {}
        for name, function, fargs in (
            ("bulk_create (baseline)", bulk_create_same, (group.pk, args.rows)),
            ("import CSV", import_file, (group.pk, str(csv_path))),
            ("import XLSX", import_file, (group.pk, str(xlsx_path))),
        ):
            clear()
            results[name] = measure(function, *fargs)
            assert Ballot.objects.count() == args.rows
        clear()
    baseline = results["bulk_create (baseline)"][1]
    print(f"Paper ballot import: {args.rows:,} ballots × {units} units (+3 profile answers), database {engine}")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'phase':<24}{'seconds':>9}{'rows/s':>10}{'peak MiB':>10}{'speed vs baseline':>19}")
    for name, (rows, seconds, peak) in results.items():
        print(f"{name:<24}{seconds:>9.1f}{rows / seconds:>10,.0f}{peak:>10.0f}{baseline / seconds:>19.2f}")
    ratio = baseline / results["import CSV"][1]
    print(f"target: CSV import at least 0.5 × the bulk_create speed: {ratio:.2f} → {'met' if ratio >= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
