"""The trend chart: valid SVG, one marker per campaign in order, heights that follow the scores,
intervals around their estimates, and no chart without points."""
import xml.etree.ElementTree as ET

from scoring.results import UnitResult
from scoring.trend_chart import TrendPoint, entry_points, trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def _points():
    return [TrendPoint("2024", 71.5, 68.0, 75.0), TrendPoint("2025 <试>", 80.0, 77.5, 82.5),
            TrendPoint("2026", 76.2, 73.0, 79.4)]


def test_one_marker_per_campaign_left_to_right_higher_scores_drawn_higher():
    root = ET.fromstring(trend_svg(_points(), title="单位1"))
    markers = root.findall(f"{SVG}circle[@class='marker']")
    assert [float(m.get("data-estimate")) for m in markers] == [71.5, 80.0, 76.2]
    xs = [float(m.get("cx")) for m in markers]
    assert xs == sorted(xs)
    ys = [float(m.get("cy")) for m in markers]
    assert ys[1] < ys[2] < ys[0]                       # SVG's y grows downwards
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert "2025 <试>" in labels                       # escaped, so the document still parses


def test_each_interval_runs_from_its_upper_to_its_lower_end_through_the_marker():
    root = ET.fromstring(trend_svg(_points()))
    for line, marker in zip(root.findall(f"{SVG}line[@class='interval']"), root.findall(f"{SVG}circle[@class='marker']"),
                            strict=True):
        assert float(line.get("x1")) == float(line.get("x2")) == float(marker.get("cx"))
        assert float(line.get("y2")) < float(marker.get("cy")) < float(line.get("y1"))


def test_the_line_joins_the_markers_and_a_single_campaign_has_none():
    root = ET.fromstring(trend_svg(_points()))
    joined = root.find(f"{SVG}polyline").get("points").split()
    markers = root.findall(f"{SVG}circle[@class='marker']")
    assert joined == [f"{m.get('cx')},{m.get('cy')}" for m in markers]
    assert ET.fromstring(trend_svg(_points()[:1])).find(f"{SVG}polyline") is None


def test_no_points_no_chart():
    assert trend_svg([]) == ""


def test_points_from_entries_use_the_printed_figures_and_skip_units_not_ranked():
    ranked = UnitResult.from_json(
        {"suppressed": False, "score": 80.04, "published": {"score": 80.0, "ci_low": 77.5, "ci_high": 82.5}})
    too_few = UnitResult.from_json(
        {"suppressed": True, "score": None, "published": {"score": None, "ci_low": None, "ci_high": None}})
    assert entry_points([("2025", ranked), ("2026", too_few)]) == [TrendPoint("2025", 80.0, 77.5, 82.5)]


def test_the_axis_label_fits_inside_a_chart_of_one_campaign():
    label = "得分（满分一百分）及其置信区间"
    root = ET.fromstring(trend_svg([TrendPoint("2026", 62.2, 61.9, 62.5)], axis_label=label))
    text = next(t for t in root.iter(f"{SVG}text") if t.text == label)
    half = 12 * len(label) / 2   # every character here is full width: 1 em of 12 px
    assert 0 <= float(text.get("x")) - half and float(text.get("x")) + half <= float(root.get("width"))
