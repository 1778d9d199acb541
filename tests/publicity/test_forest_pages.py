"""The forest plot cut into pages keeps every unit once and the same axis on every piece."""
import re

from publicity.forest_pages import slice_forest
from scoring.forest import ForestRow, forest_svg


def test_pieces_hold_every_row_once_with_the_whole_axis():
    rows = [ForestRow(f"单位{i}", 90 - i * 0.3, 85 - i * 0.3, 95 - i * 0.3, i + 1, i + 3) for i in range(95)]
    svg = forest_svg(rows, title="t", axis_label="得分")
    pieces = slice_forest(svg, len(rows), 40)
    assert len(pieces) == 3
    labels = [label for p in pieces for label in re.findall(r'text-anchor="end">([^<]+)<', p)]
    assert labels == [r.label for r in rows]
    ticks = [re.findall(r'text-anchor="middle">([\d.]+)<', p) for p in [svg, *pieces]]
    assert all(t == ticks[0] and t for t in ticks)
    assert slice_forest(svg, len(rows), 200) == [svg]
