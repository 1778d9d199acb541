"""The forest plot: valid SVG, one marker per unit, sorted, tied ranks banded."""
import xml.etree.ElementTree as ET

from scoring.forest import ForestRow, forest_svg, tied_bands

SVG = "{http://www.w3.org/2000/svg}"


def _rows():
    return [ForestRow("乙 <单位>", 70.0, 66.0, 74.0, 3, 4), ForestRow("甲", 90.0, 88.0, 92.0, 1, 2),
            ForestRow("丙", 89.0, 86.0, 91.5, 1, 2), ForestRow("丁", 60.0, 55.0, 65.0, 3, 4)]


def test_one_marker_per_unit_sorted_by_score_with_labels_in_the_same_order():
    root = ET.fromstring(forest_svg(_rows(), title="街道办事处"))
    markers = root.findall(f"{SVG}circle[@class='marker']")
    assert [float(m.get("data-estimate")) for m in markers] == [90.0, 89.0, 70.0, 60.0]
    ys = [float(m.get("cy")) for m in markers]
    assert ys == sorted(ys)  # top to bottom
    xs = [float(m.get("cx")) for m in markers]
    assert xs == sorted(xs, reverse=True)  # higher score further right
    labels = [t.text for t in root.findall(f"{SVG}text") if t.text in {"甲", "丙", "乙 <单位>", "丁"}]
    assert labels == ["甲", "丙", "乙 <单位>", "丁"]  # escaped, so the document still parses


def test_interval_lines_span_the_confidence_interval():
    root = ET.fromstring(forest_svg(_rows()))
    line = root.findall(f"{SVG}line[@class='interval']")[0]
    marker = root.findall(f"{SVG}circle[@class='marker']")[0]
    assert float(line.get("x1")) < float(marker.get("cx")) < float(line.get("x2"))


def test_tied_ranks_share_a_band():
    rows = sorted(_rows(), key=lambda r: -r.estimate)
    assert tied_bands(rows) == [[0, 1], [2, 3]]
    root = ET.fromstring(forest_svg(_rows()))
    bands = root.findall(f"{SVG}rect[@class='tied-band']")
    assert len(bands) == 1 and float(bands[0].get("height")) == 2 * 22  # the first band, shaded


def test_separated_units_get_their_own_bands():
    rows = [ForestRow(str(i), 90.0 - 10 * i, 89.0 - 10 * i, 91.0 - 10 * i, i + 1, i + 1) for i in range(3)]
    assert tied_bands(rows) == [[0], [1], [2]]


def test_no_units_is_still_a_document():
    assert ET.fromstring(forest_svg([])).tag == f"{SVG}svg"
