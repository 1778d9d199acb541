"""Cut a forest plot from `scoring.forest` into page-sized pieces, keeping one axis for all.

An SVG image cannot break across pages, and a plot of 150 units is several pages tall. Drawing
each page's units separately would give every page its own axis and its own tied bands, so the
pieces could not be compared. Instead the whole plot is drawn once, by the same function as the
results page, and each piece keeps the rows it shows (shifted up), the shaded bands clipped to
them, the full-height grid lines shortened, and the axis with its ticks under them (the axis label
only under the last piece).
"""
import re

from scoring.forest import ROW, TOP

AXIS_LABEL_BELOW = 20   # px under the axis: tick labels above this line, the axis label under it
AXIS_LABEL_SPACE = 14   # px a piece without the axis label is shorter

_ELEMENT = re.compile(r"<(title|text)\b[^>]*>.*?</\1>|<(?:rect|line|circle)\b[^>]*/>", re.S)
_ROOT = re.compile(r'<svg\b[^>]*\bwidth="([\d.]+)" height="([\d.]+)" viewBox="0 0 [\d.]+ [\d.]+"([^>]*)>')
_ATTR = r'\b{name}="(-?[\d.]+)"'


def _get(element: str, name: str) -> float | None:
    match = re.search(_ATTR.format(name=name), element)
    return float(match.group(1)) if match else None


def _set(element: str, name: str, value: float) -> str:
    return re.sub(_ATTR.format(name=name), f'{name}="{value:g}"', element, count=1)


def slice_forest(svg: str, rows: int, per_page: int) -> list[str]:
    """The plot of `rows` units as pieces of at most `per_page` rows, each a complete SVG."""
    root = _ROOT.search(svg)
    if root is None or rows <= per_page:
        return [svg]
    width, height, rest = float(root.group(1)), float(root.group(2)), root.group(3)
    bottom = TOP + ROW * rows
    elements = [m.group(0) for m in _ELEMENT.finditer(svg)]
    pieces = []
    size = -(-rows // -(-rows // per_page))  # pieces of (nearly) equal size, none above per_page
    for first in range(0, rows, size):
        count = min(size, rows - first)
        lo, hi = TOP + ROW * first, TOP + ROW * (first + count)
        shift, new_bottom = ROW * first, TOP + ROW * count
        kept = [piece for e in elements if (piece := _place(e, lo, hi, shift, bottom, new_bottom)) is not None]
        new_height = height - (bottom - new_bottom)
        if first + count < rows:   # the axis label ("得分…") under the last piece only: ticks suffice above
            kept = [e for e in kept if not (e.startswith("<text") and _get(e, "y") > new_bottom + AXIS_LABEL_BELOW)]
            new_height -= AXIS_LABEL_SPACE
        pieces.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{new_height:g}" '
                      f'viewBox="0 0 {width:g} {new_height:g}"{rest}>' + "".join(kept) + "</svg>")
    return pieces


def _place(element: str, lo: float, hi: float, shift: float, bottom: float, new_bottom: float) -> str | None:
    if element.startswith("<title"):
        return element
    if element.startswith("<rect"):  # a shaded band of tied ranks: clip it to this piece
        y, h = _get(element, "y"), _get(element, "height")
        top, end = max(y, lo), min(y + h, hi)
        if end <= top:
            return None
        return _set(_set(element, "y", top - shift), "height", end - top)
    if element.startswith("<line"):
        y1, y2 = _get(element, "y1"), _get(element, "y2")
        if y1 == y2 == bottom:                      # the axis
            return _set(_set(element, "y1", new_bottom), "y2", new_bottom)
        if y1 == TOP and y2 == bottom:              # a grid line over all rows
            return _set(element, "y2", new_bottom)
        return _set(_set(element, "y1", y1 - shift), "y2", y2 - shift) if lo <= y1 < hi else None
    name = "cy" if element.startswith("<circle") else "y"
    y = _get(element, name)
    if y is None:
        return element
    if y > bottom:                                   # tick labels and the axis label
        return _set(element, name, y - (bottom - new_bottom))
    return _set(element, name, y - shift) if lo <= y < hi else None
