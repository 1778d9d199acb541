"""A unit's scores across campaigns as SVG text: one point per campaign with its confidence interval.

A pure function of its input (no Django), drawn on the server like the forest plot, so it needs
no script and passes the page's Content-Security-Policy; the page puts a table of the same numbers
beside it for screen readers and for anyone who wants the figures.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from .forest import FONT, INK, INTERVAL_STROKE, MARKER_RADIUS, label_em, tick_values

if TYPE_CHECKING:   # the type only: this module stays free of Django
    from .results import UnitResult

LEFT, RIGHT, TOP, BOTTOM = 48, 24, 20, 44   # px around the plot area
STEP = 110                                  # px between campaigns
HEIGHT = 200                                # px of the plot area
CAP = 10


@dataclass(frozen=True)
class TrendPoint:
    label: str          # the campaign, as the axis shows it (e.g. its year)
    estimate: float
    ci_low: float
    ci_high: float


def entry_points(rows: list[tuple[str, "UnitResult"]]) -> list[TrendPoint]:
    """(label, a run's unit entry) → points of the printed (rounded) score and interval; units not
    ranked (样本不足) are left out: they have no published score."""
    return [TrendPoint(label=label, estimate=e.published.score, ci_low=e.published.ci_low, ci_high=e.published.ci_high)
            for label, e in rows if not e.suppressed and e.published and e.published.score is not None]


def _axis(points: list[TrendPoint]) -> tuple[float, float]:
    """From the lowest to the highest interval end, widened to multiples of 5 (within 0–100)."""
    low = max(0.0, 5.0 * (min(p.ci_low for p in points) // 5.0))
    high = min(100.0, 5.0 * -(-max(p.ci_high for p in points) // 5.0))
    return (low, high) if high > low else (max(0.0, low - 5.0), min(100.0, high + 5.0))


def trend_svg(points: list[TrendPoint], *, title: str = "", axis_label: str = "") -> str:
    """Points in the given order (oldest first), joined by a line; each with its interval (class
    "interval") and a dot (class "marker", its estimate in data-estimate). Empty without points."""
    if not points:
        return ""
    # Wide enough for the axis label too (a unit with one published campaign has a narrow plot).
    label_width = 12 * label_em(axis_label) + 8
    width = max(LEFT + STEP * len(points) + RIGHT, round(label_width))
    height = TOP + HEIGHT + BOTTOM
    low, high = _axis(points)

    def y(value: float) -> float:
        return round(TOP + HEIGHT * (high - value) / (high - low), 2)

    def x(i: int) -> float:
        return LEFT + STEP * i + STEP / 2

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" role="img">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for value in tick_values(low, high):
        parts.append(f'<line x1="{LEFT}" y1="{y(value)}" x2="{width - RIGHT}" y2="{y(value)}" stroke="#d0d7de" '
                     f'stroke-dasharray="2,3"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4}" text-anchor="end">{value:g}</text>')
    bottom = TOP + HEIGHT
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{width - RIGHT}" y2="{bottom}" stroke="{INK}"/>')
    if len(points) > 1:
        path = " ".join(f"{x(i)},{y(p.estimate)}" for i, p in enumerate(points))
        parts.append(f'<polyline class="trend" points="{path}" fill="none" stroke="#b42318" stroke-width="1.5"/>')
    for i, p in enumerate(points):
        cx = x(i)
        parts.append(f'<line class="interval" x1="{cx}" y1="{y(p.ci_low)}" x2="{cx}" y2="{y(p.ci_high)}" '
                     f'stroke="{INK}" stroke-width="{INTERVAL_STROKE}"/>')
        for end in (p.ci_low, p.ci_high):
            parts.append(f'<line class="interval-cap" x1="{cx - CAP / 2}" y1="{y(end)}" x2="{cx + CAP / 2}" '
                         f'y2="{y(end)}" stroke="{INK}" stroke-width="{INTERVAL_STROKE}"/>')
        parts.append(f'<circle class="marker" cx="{cx}" cy="{y(p.estimate)}" r="{MARKER_RADIUS}" fill="#b42318" '
                     f'stroke="#fff" stroke-width="1" data-estimate="{p.estimate!r}"/>')
        parts.append(f'<text x="{cx}" y="{bottom + 16}" text-anchor="middle">{escape(p.label)}</text>')
    if axis_label:
        label_x = min(max(LEFT + STEP * len(points) / 2, label_width / 2), width - label_width / 2)
        parts.append(f'<text x="{label_x}" y="{bottom + 34}" text-anchor="middle">'
                     f"{escape(axis_label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
