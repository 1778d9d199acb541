"""The forest plot: valid SVG, one marker per unit, sorted, tied ranks banded."""
import xml.etree.ElementTree as ET

from scoring.forest import LABEL_ROOM, ForestRow, forest_svg, label_em, tied_bands

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


def test_narrow_intervals_stay_visible_with_a_firm_stroke_and_caps_taller_than_the_dot():
    rows = [ForestRow("窄", 80.0, 79.8, 80.2), ForestRow("宽", 60.0, 50.0, 70.0)]
    root = ET.fromstring(forest_svg(rows))
    marker = root.findall(f"{SVG}circle[@class='marker']")[0]
    diameter = 2 * float(marker.get("r"))
    for line in root.findall(f"{SVG}line[@class='interval']"):
        assert float(line.get("stroke-width")) >= 2.5
    caps = root.findall(f"{SVG}line[@class='interval-cap']")
    assert len(caps) == 2 * len(rows)
    narrow = [c for c in caps if float(c.get("y1")) < float(marker.get("cy")) < float(c.get("y2"))]
    assert len(narrow) == 2
    assert all(float(c.get("y2")) - float(c.get("y1")) > diameter for c in narrow)
    assert {float(c.get("x1")) for c in narrow} == {float(root.findall(f"{SVG}line[@class='interval']")[0].get(k))
                                                    for k in ("x1", "x2")}


def test_each_plot_has_its_own_scale():
    def ticks(rows):
        return [t.text for t in ET.fromstring(forest_svg(rows)).findall(f"{SVG}text[@text-anchor='middle']")]

    high = ticks([ForestRow("甲", 92.0, 90.5, 93.5), ForestRow("乙", 91.0, 89.0, 93.0)])
    wide = ticks([ForestRow("甲", 80.0, 62.0, 98.0), ForestRow("乙", 55.0, 41.0, 69.0)])
    assert high == ["85", "90", "95"] and wide[0] == "40" and wide[-1] == "100"


def test_without_labels_the_names_are_left_out_and_the_drawing_keeps_its_geometry():
    with_names, without = forest_svg(_rows()), forest_svg(_rows(), labels=False)
    names = {"甲", "丙", "乙 <单位>", "丁"}
    assert not [t for t in ET.fromstring(without).findall(f"{SVG}text") if t.text in names]
    markers = [[m.attrib for m in ET.fromstring(svg).findall(f"{SVG}circle[@class='marker']")]
               for svg in (with_names, without)]
    assert markers[0] == markers[1]


def test_a_name_too_long_for_its_column_is_set_smaller_to_fit():
    long_name = "民评市卫生健康委员会医师执业注册窗口11号"
    root = ET.fromstring(forest_svg([ForestRow(long_name, 80.0, 78.0, 82.0), ForestRow("甲", 70.0, 68.0, 72.0)]))
    sizes = {t.text: t.get("font-size") for t in root.findall(f"{SVG}text[@text-anchor='end']")}
    assert sizes["甲"] is None                                   # 12 px, the plot's size
    assert float(sizes[long_name]) * label_em(long_name) <= LABEL_ROOM < 12 * label_em(long_name)
