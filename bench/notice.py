"""Benchmark: rendering a PDF notice of 300 units, against WeasyPrint rendering a bare table.

    scripts/with-postgres.sh .venv/bin/python bench/notice.py [--units 300]

The notice is built from a synthetic score run of `--units` units (four unit kinds, ranks, intervals,
a few suppressed), exactly as `publicity.document` builds it from a stored run: tables per kind,
forest plots, method note, QR code, tagged PDF/A-3a with results.json attached. The baseline, in the same
run, is WeasyPrint turning a bare HTML table of the same rows (same font, no page furniture) into a
PDF in the notice's own output format, tagged PDF/A-3a: tagging costs WeasyPrint ≈ 25 % of any
document (a structure element per cell and paragraph), and the notice must be tagged, so the ratio
is what the notice's layout adds to WeasyPrint's cost for its rows. The same table untagged is
measured too, and the notice's ratio to it printed. Each phase runs in a forked child so that its
peak memory (max RSS) is its own; all start from a parent that has already rendered a small notice
(and both bare tables) once, as a worker that has served one has:
WeasyPrint, its PDF/A, tagging and SVG code, the CJK fonts, the notice's template and the Chinese
catalogue are loaded. The clock measures the rendering: data to PDF bytes. Reading the file back to
count its pages (pypdf parsing thousands of structure elements) is reporting, done after the clock
stops. No database is needed.
"""
import argparse
import io
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.environment import setup_django  # noqa: E402

setup_django()

from bench.forked import measure  # noqa: E402
from bench.notice_data import notice_data  # noqa: E402
from publicity import document  # noqa: E402

TAGGED = "pdf/a-3a"
BASELINE = "bare table, tagged"
UNTAGGED = "bare table, untagged"


def bare_table_html(data: document.NoticeData) -> str:
    rows = "".join(f"<tr><td>{r.rank}</td><td>{r.rank_interval}</td><td>{r.name}</td><td>{r.score}</td><td>{r.ci}</td>"
                   f"<td>{r.satisfied}</td><td>{r.grade}</td></tr>"
                   for s in data.sections for r in s.ranked + s.suppressed)
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page{size:A4}'
            'body{font-family:"Noto Serif CJK SC"}</style></head><body><table>' + rows + "</table></body></html>")


def render_notice(units: int) -> tuple[bytes, float]:
    started = time.process_time()
    pdf = document.notice_pdf(notice_data(units, long_names=False))
    return pdf, time.process_time() - started


def render_bare(units: int, **options) -> tuple[bytes, float]:
    from minping.pdf import render_pdf

    started = time.process_time()
    pdf = render_pdf(bare_table_html(notice_data(units, long_names=False)), **options)
    return pdf, time.process_time() - started


def render_bare_tagged(units: int) -> tuple[bytes, float]:
    """The bare table in the notice's own output format: tagged PDF/A-3a."""
    return render_bare(units, pdf_variant=TAGGED)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def warm_up() -> None:
    """Render a small notice (and a bare table) once, in the parent, so that neither phase pays for
    loading what any worker has loaded after its first notice: WeasyPrint's modules, Pango and the
    fonts the notice uses (Noto Serif CJK SC regular, bold and black, Noto Sans CJK SC, LXGW WenKai),
    the compiled template and the zh-hans catalogue."""
    from minping.pdf import render_pdf

    small = notice_data(12, long_names=False)
    document.notice_pdf(small)
    page_count(render_pdf(bare_table_html(small)))
    page_count(render_pdf(bare_table_html(small), pdf_variant=TAGGED))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of both phases; each phase's best is reported")
    args = parser.parse_args()
    warm_up()
    results = {}
    phases = ((UNTAGGED, render_bare), (BASELINE, render_bare_tagged), ("notice", render_notice))
    # Rounds alternate the phases, so that a busy spell of the machine weighs on both alike.
    runs: dict[str, list] = {name: [] for name, _ in phases}
    for _ in range(args.repeat):
        for name, function in phases:
            runs[name].append(measure(function, args.units))
    for name, _ in phases:
        (pdf, _), seconds, peak = min(runs[name], key=lambda run: run[1])
        cpu = min(run[0][1] for run in runs[name])
        results[name] = (page_count(pdf), len(pdf), seconds, cpu, peak)
    baseline, baseline_cpu = results[BASELINE][2:4]
    print(f"PDF notice: {args.units} units (版头, 版记, annex of tables and forest plots, tagged PDF/A-3a with "
          "results.json)")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print(f"{'phase':<22}{'seconds':>9}{'CPU s':>8}{'pages':>7}{'KiB':>8}{'peak MiB':>10}{'× baseline':>12}"
          f"{'CPU ×':>8}")
    for name, (pages, size, seconds, cpu, peak) in results.items():
        print(f"{name:<22}{seconds:>9.2f}{cpu:>8.2f}{pages:>7}{size / 1024:>8.0f}{peak:>10.0f}"
              f"{seconds / baseline:>12.2f}{cpu / baseline_cpu:>8.2f}")
    seconds = results["notice"][2]
    ratio = seconds / baseline
    met = ratio <= 2 and seconds < 5
    print(f"target: within 2 × the bare table (tagged, as the notice) and under 5 s: {ratio:.2f} ×, {seconds:.2f} s → "
          f"{'met' if met else 'MISSED'}; {seconds / results[UNTAGGED][2]:.2f} × the untagged bare table")


if __name__ == "__main__":
    main()
