"""Ballots per day as an SVG bar chart: server-drawn, no script, like the forest plots.

A pure function of its input (no Django), so it can be tested on its own. The page that shows it
also prints the same numbers as a table: the chart is a picture of the table, not the only copy.
"""
import datetime as dt
from xml.sax.saxutils import escape

from scoring.forest import FONT, INK

BAR_AREA = 560     # px for all the bars together
LEFT, RIGHT = 44, 12
TOP, BOTTOM = 16, 40
HEIGHT = 180       # px of the plot area
BAR = "#b42318"
GRID = "#d0d7de"
MAX_BAR = 36       # px: a campaign of three days does not get three walls


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1): the top of the y axis."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def daily_bars_svg(days: list[tuple[dt.date, int]], *, title: str, axis_label: str = "") -> str:
    """One bar per day (class "bar", data-day and data-count), in the order given.

    `days` should be consecutive (the caller fills days without ballots with zeros), so that the
    gaps show. Each bar carries a <title> with its day and count for a pointer or screen reader.
    """
    count = max(len(days), 1)
    slot = min(BAR_AREA / count, MAX_BAR)
    width = round(LEFT + slot * count + RIGHT)
    height = TOP + HEIGHT + BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" role="img">',
             f"<title>{escape(title)}</title>"]
    top = nice_ceiling(max((n for _, n in days), default=0))
    bottom = TOP + HEIGHT
    for fraction in (0, 0.5, 1):
        y = round(bottom - HEIGHT * fraction, 2)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" y2="{y}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{top * fraction:g}</text>')
    label_every = max(1, round(count / 8))   # at most about eight dates under the axis
    for i, (day, n) in enumerate(days):
        x = LEFT + slot * i
        bar = round(HEIGHT * n / top, 2)
        parts.append(f'<rect class="bar" x="{round(x + slot * 0.15, 2)}" y="{round(bottom - bar, 2)}" '
                     f'width="{round(slot * 0.7, 2)}" height="{bar}" fill="{BAR}" data-day="{day.isoformat()}" '
                     f'data-count="{n}"><title>{day.isoformat()}: {n}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{round(x + slot / 2, 2)}" y="{bottom + 16}" text-anchor="middle">'
                         f'{day.month}-{day.day:02d}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{width - RIGHT}" y2="{bottom}" stroke="{INK}"/>')
    if axis_label:
        parts.append(f'<text x="{LEFT + (width - LEFT - RIGHT) / 2}" y="{bottom + 34}" text-anchor="middle">'
                     f"{escape(axis_label)}</text>")
    parts.append("</svg>")
    return "".join(parts)

