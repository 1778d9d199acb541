"""The forest plot cut into pages keeps every unit once and the same axis on every piece."""
import re

from publicity.forest_pages import AXIS_LABEL_SPACE, slice_forest
from scoring.forest import BOTTOM, ROW, TOP, ForestRow, forest_svg


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


def test_the_axis_label_stands_under_the_last_piece_only_and_the_others_are_shorter_by_its_line():
    rows = [ForestRow(f"单位{i}", 90 - i * 0.3, 85 - i * 0.3, 95 - i * 0.3, i + 1, i + 3) for i in range(25)]
    pieces = slice_forest(forest_svg(rows, title="t", axis_label="得分（满分100分）"), len(rows), 10)
    assert [p.count("得分（满分100分）") for p in pieces] == [0, 0, 1]
    rows_per_piece = [p.count('class="marker"') for p in pieces]
    heights = [float(re.search(r'height="([\d.]+)"', p).group(1)) for p in pieces]
    without_label = TOP + BOTTOM - AXIS_LABEL_SPACE
    assert heights == [without_label + ROW * rows_per_piece[0], without_label + ROW * rows_per_piece[1],
                       TOP + BOTTOM + ROW * rows_per_piece[2]]
