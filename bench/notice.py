"""Benchmark: rendering a PDF notice of 300 units, against WeasyPrint rendering a bare table.

    scripts/with-postgres.sh .venv/bin/python bench/notice.py [--units 300]

The notice is built from a synthetic score run of `--units` units (four unit kinds, ranks, intervals,
a few suppressed), exactly as `publicity.document` builds it from a stored run: tables per kind,
forest plots, method note, QR code, PDF/A-3b with results.json attached. The baseline, in the same
run, is WeasyPrint turning a bare HTML table of the same rows (same font, no page furniture) into a
PDF. Each phase runs in a forked child so that its peak memory (max RSS) is its own; both start
from a parent that has already loaded WeasyPrint and the CJK fonts once. No database is needed.
"""
import argparse
import datetime as dt
import io
import os
import platform
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.environment import setup_django  # noqa: E402

setup_django()

from bench.forked import measure  # noqa: E402
from publicity import document, method_note  # noqa: E402
from publicity.calendar import working_day_period  # noqa: E402

KINDS = (("street_office", "街道办事处", 0.27), ("community", "社区", 0.33), ("window", "窗口服务中心", 0.2),
         ("city_organ", "局", 0.2))
ISSUED_ON = dt.date(2026, 9, 29)


def synthetic_result(units: int) -> dict:
    """A run's result in the shape of `score --json`: ranks within kind, a few units suppressed."""
    rng = random.Random(2026)
    out = []
    for kind, suffix, share in KINDS:
        count = max(1, round(units * share)) if kind != KINDS[-1][0] else units - len(out)
        rows = []
        for i in range(count):
            score = min(98.0, max(45.0, rng.gauss(80, 7)))
            se = rng.uniform(0.8, 3.0)
            sat = min(1.0, max(0.3, score / 100 + rng.uniform(-0.05, 0.08)))
            rows.append({"code": f"{kind[:2].upper()}-{i:03d}", "name": f"第{i + 1}{suffix}" if kind != "city_organ"
                         else f"市{rng.choice('甲乙丙丁戊己庚辛')}{i + 1}{suffix}", "kind": kind,
                         "n": rng.randint(20, 400), "score": score, "se": se, "ci_low": score - 1.96 * se,
                         "ci_high": score + 1.96 * se,
                         "published": {"score": round(score, 1), "ci_low": round(score - 1.96 * se, 1),
                                       "ci_high": round(score + 1.96 * se, 1)},
                         "grade_low": None, "grade_high": None, "grade": "满意" if score >= 90 else "比较满意" if score >= 80
                         else "基本满意" if score >= 60 else "不满意",
                         "satisfied": {"value": sat, "ci_low": sat - 0.05, "ci_high": min(1.0, sat + 0.04)},
                         "suppressed": i % 37 == 36, "groups": [{"key": "residents", "weight": 1.0, "n": 100,
                                                                "ess": 90.0, "score": score, "se": se,
                                                                "ci_low": score - 1.96 * se,
                                                                "ci_high": score + 1.96 * se}]})
        ranked = sorted((r for r in rows if not r["suppressed"]), key=lambda r: -r["score"])
        for rank, r in enumerate(ranked, start=1):
            spread = max(1, int(r["se"] * 3))
            r.update(rank=rank, rank_low=max(1, rank - spread), rank_high=min(len(ranked), rank + spread))
        for r in rows:
            if r["suppressed"]:
                r.update(rank=None, rank_low=None, rank_high=None, grade=None)
        out += rows
    return {"campaign": "bench", "run": 1, "method": "minping-1", "level": 0.95,
            "groups": [{"key": "residents", "weight": 1.0, "n": 30000, "ess": 26000.0,
                        "design": {"strata": "district", "fpc": {"D1": 1}, "poststratify": None,
                                   "rake": {"district": {}, "age": {}, "sex": {}}}}], "units": out}


def notice_data(units: int) -> document.NoticeData:
    result = synthetic_result(units)
    groups = [document.GroupInfo("residents", "辖区居民", 1.0, 30000, document.design_text(result["groups"][0]["design"]))]
    data = document.NoticeData(
        kind="publicity", title=document.default_title("2026年度群众满意度评议", "publicity"),
        body="根据评议工作安排，组织开展了2026年度群众满意度评议。现将评议结果予以公示，接受社会监督。",
        campaign_title="2026年度群众满意度评议", issuing_organ="民评市群众评议工作办公室", issued_on=ISSUED_ON,
        level=0.95, groups=groups, participation={"residents": {"online": 25000, "paper": 5000}},
        sections=document.result_sections(result),
        method=method_note.method_paragraphs(
            result=result, parameters={"rank_draws": 4000, "rank_level": 0.95,
                                       "grade_bands": [[90, "满意"], [80, "比较满意"], [60, "基本满意"], [0, "不满意"]]},
            groups=groups, questions=[("总体满意度", 0.5), ("服务态度", 0.5)],
            grades=[("非常满意", 100), ("满意", 80), ("基本满意", 60), ("不满意", 40), ("非常不满意", 0)],
            min_ballots=30, threshold=60),
        results_json=document.result_json_text(result), run_number=1, input_digest="0" * 64,
        period=working_day_period(ISSUED_ON, 5), objection_url="http://127.0.0.1:8000/notices/objections/bench/",
        phone="0000-12345678", address="民评市人民路 1 号", previous_sha256="0" * 64,
    )
    data.qr = document.qr_data_url(data.objection_url)
    return data


def bare_table_html(data: document.NoticeData) -> str:
    rows = "".join(f"<tr><td>{r.rank}</td><td>{r.rank_interval}</td><td>{r.name}</td><td>{r.score}</td><td>{r.ci}</td>"
                   f"<td>{r.satisfied}</td><td>{r.grade}</td></tr>"
                   for s in data.sections for r in s.ranked + s.suppressed)
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page{size:A4}'
            'body{font-family:"Noto Serif CJK SC"}</style></head><body><table>' + rows + "</table></body></html>")


def render_notice(units: int) -> tuple[int, int]:
    from pypdf import PdfReader

    pdf = document.notice_pdf(notice_data(units))
    return len(PdfReader(io.BytesIO(pdf)).pages), len(pdf)


def render_bare(units: int) -> tuple[int, int]:
    from pypdf import PdfReader

    from minping.pdf import render_pdf

    pdf = render_pdf(bare_table_html(notice_data(units)))
    return len(PdfReader(io.BytesIO(pdf)).pages), len(pdf)


def warm_up() -> None:
    """Load WeasyPrint, Pango and the CJK fonts once, in the parent, so that neither phase pays for it."""
    from minping.pdf import render_pdf

    render_pdf('<html lang="zh-CN"><body style="font-family:\'Noto Serif CJK SC\'">预热 0123'
               '<b style="font-family:\'Noto Sans CJK SC\'">预热</b></body></html>')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase; the best is reported")
    args = parser.parse_args()
    warm_up()
    results = {}
    for name, function in (("bare table (baseline)", render_bare), ("notice", render_notice)):
        runs = [measure(function, args.units) for _ in range(args.repeat)]
        (pages, size), seconds, peak = min(runs, key=lambda run: run[1])
        results[name] = (pages, size, seconds, peak)
    baseline = results["bare table (baseline)"][2]
    print(f"PDF notice: {args.units} units (tables per kind, forest plots, PDF/A-3b with results.json)")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; best of {args.repeat}")
    print(f"{'phase':<24}{'seconds':>9}{'pages':>7}{'KiB':>8}{'peak MiB':>10}{'× baseline':>12}")
    for name, (pages, size, seconds, peak) in results.items():
        print(f"{name:<24}{seconds:>9.2f}{pages:>7}{size / 1024:>8.0f}{peak:>10.0f}{seconds / baseline:>12.2f}")
    seconds = results["notice"][2]
    ratio = seconds / baseline
    met = ratio <= 2 and seconds < 5
    print(f"target: within 2 × the bare table and under 5 s: {ratio:.2f} ×, {seconds:.2f} s → "
          f"{'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
