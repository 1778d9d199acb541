"""Forest plots as SVG text: one row per unit, score and interval, sorted, tied ranks banded.

A pure function of its input (no Django, no randomness), so the results page and the PDF notice
draw exactly the same picture from the same run.
"""
from dataclasses import dataclass
from xml.sax.saxutils import escape

ROW = 22          # px per unit
LABEL = 230       # px for the unit names
PLOT = 420        # px for the axis
RIGHT = 70        # px for the score text
LABEL_ROOM = LABEL - 8 - 2   # px a name may take, right-aligned 8 px left of the axis
TOP, BOTTOM = 28, 34
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
# Intervals stay legible in print, where a plot is about 0.22 mm per px: a stroke of at least
# 0.5 mm in near-black, caps taller than the dot's diameter.
INK = "#1f2328"
INTERVAL_STROKE = 2.5
MARKER_RADIUS = 3.5
CAP = 12


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    rank_low: int | None = None
    rank_high: int | None = None


def tied_bands(rows: list[ForestRow]) -> list[list[int]]:
    """Group the (sorted) rows into bands: a row joins the current band while its rank interval
    overlaps the interval of the band's first row — units the data cannot tell apart from it."""
    bands: list[list[int]] = []
    for i, row in enumerate(rows):
        first = rows[bands[-1][0]] if bands else None
        if (first is not None and row.rank_low is not None and first.rank_high is not None
                and row.rank_low <= first.rank_high):
            bands[-1].append(i)
        else:
            bands.append([i])
    return bands


def _axis(rows: list[ForestRow]) -> tuple[float, float]:
    low = min(r.ci_low for r in rows)
    high = max(r.ci_high for r in rows)
    step = 5.0
    low, high = step * (low // step), step * (-(-high // step))
    return (low, high) if high > low else (low - step, high + step)


def forest_svg(rows, *, title: str = "", axis_label: str = "", scores: bool = True, labels: bool = True) -> str:
    """An SVG document: units sorted by estimate (highest first), a dot (class "marker") at the
    estimate, a line with end caps for its interval; alternate shaded bands hold statistically tied
    ranks. The axis is this plot's own (from its lowest to its highest interval end, in steps of 5).
    `scores=False` leaves out the score printed at the right of each row (where a table beside the
    plot already gives it: text is most of the cost of drawing the plot in a PDF). `labels=False` leaves
    out the units' names, keeping their column: the PDF notice sets them as HTML text over it, because
    WeasyPrint lays out SVG text letter by letter, each name in a group of its own."""
    rows = sorted(rows, key=lambda r: (-r.estimate, r.label))
    width = LABEL + PLOT + RIGHT
    height = TOP + ROW * max(len(rows), 1) + BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" role="img">']
    if title:
        parts.append(f'<title>{escape(title)}</title>')
    if not rows:
        parts.append("</svg>")
        return "".join(parts)
    low, high = _axis(rows)

    def x(value: float) -> float:
        return round(LABEL + PLOT * (value - low) / (high - low), 2)

    for b, band in enumerate(tied_bands(rows)):
        if b % 2 == 0:
            y = TOP + ROW * band[0]
            parts.append(f'<rect class="tied-band" x="0" y="{y}" width="{width}" height="{ROW * len(band)}" '
                         f'fill="#f3f4f6"/>')
    parts += _ticks(low, high, x, TOP + ROW * len(rows), axis_label)
    for i, r in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        if labels:
            parts.append(f'<text x="{LABEL - 8}" y="{y + 4}" text-anchor="end"{_label_size(r.label)}>'
                         f'{escape(r.label)}</text>')
        parts.append(f'<line class="interval" x1="{x(r.ci_low)}" y1="{y}" x2="{x(r.ci_high)}" y2="{y}" '
                     f'stroke="{INK}" stroke-width="{INTERVAL_STROKE}"/>')
        # End caps taller than the dot: an interval narrower than the dot still shows where it ends.
        for end in (x(r.ci_low), x(r.ci_high)):
            parts.append(f'<line class="interval-cap" x1="{end}" y1="{y - CAP / 2}" x2="{end}" y2="{y + CAP / 2}" '
                         f'stroke="{INK}" stroke-width="{INTERVAL_STROKE}"/>')
        parts.append(f'<circle class="marker" cx="{x(r.estimate)}" cy="{y}" r="{MARKER_RADIUS}" fill="#b42318" '
                     f'stroke="#fff" stroke-width="1" data-estimate="{r.estimate!r}"/>')
        if scores:
            parts.append(f'<text x="{LABEL + PLOT + 8}" y="{y + 4}">{r.estimate:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def label_em(label: str) -> float:
    """A text's width in em, generous: 1 a Chinese or full-width character (and "%"), 0.6 anything
    else (Noto's digits are about 0.55 em, "%" 0.85: a space sized so never wraps its numbers). The one
    measure of the plots, the trend chart and the notice's layout."""
    return sum(1.0 if ord(ch) > 0x2E80 or ch == "%" else 0.6 for ch in label)


def _label_size(label: str) -> str:
    """A font-size attribute for a name too long for its column at 12 px (set smaller, to fit), else ''."""
    width = label_em(label)
    return f' font-size="{int(10 * LABEL_ROOM / width) / 10:g}"' if width * 12 > LABEL_ROOM else ""


def tick_values(low: float, high: float) -> list[float]:
    """The axis's gridline values from `low` to `high`: every 5 points, every 10 on a wide axis."""
    step = 5.0 if high - low <= 40 else 10.0
    values, value = [], low
    while value <= high + 1e-9:
        values.append(value)
        value += step
    return values


def _ticks(low: float, high: float, x, bottom: float, axis_label: str) -> list[str]:
    parts = [f'<line x1="{LABEL}" y1="{bottom}" x2="{LABEL + PLOT}" y2="{bottom}" stroke="#1f2328"/>']
    for value in tick_values(low, high):
        parts.append(f'<line x1="{x(value)}" y1="{TOP}" x2="{x(value)}" y2="{bottom}" stroke="#d0d7de" '
                     f'stroke-dasharray="2,3"/>')
        parts.append(f'<text x="{x(value)}" y="{bottom + 14}" text-anchor="middle">{value:g}</text>')
    if axis_label:
        parts.append(f'<text x="{LABEL + PLOT / 2}" y="{bottom + 30}" text-anchor="middle">{escape(axis_label)}</text>')
    return parts
