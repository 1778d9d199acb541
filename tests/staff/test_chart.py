"""The ballots-per-day chart: bars proportional to the counts, on an axis from zero to a round top."""
import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from staff.chart import HEIGHT, daily_bars_svg, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (180, 200),
                                            (201, 500), (4999, 5000)])
def test_the_axis_ends_at_the_next_one_two_or_five(value, top):
    assert nice_ceiling(value) == top


def test_bar_heights_are_proportional_to_the_counts_of_their_days():
    days = [(dt.date(2026, 3, 1) + dt.timedelta(days=i), n) for i, n in enumerate([40, 0, 17, 100])]
    root = ET.fromstring(daily_bars_svg(days, title="每日选票"))
    bars = root.findall(f"{SVG}rect")
    assert [b.get("data-day") for b in bars] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[3] == pytest.approx(HEIGHT)                  # 100 of an axis up to 100
    assert heights[0] == pytest.approx(HEIGHT * 0.4) and heights[1] == 0
    assert heights[2] == pytest.approx(HEIGHT * 0.17)
    # Each bar sits on the axis: top + height is the same baseline for all.
    assert len({round(float(b.get("y")) + float(b.get("height")), 2) for b in bars}) == 1


def test_the_chart_is_titled_and_each_bar_says_its_day_and_count():
    days = [(dt.date(2026, 3, 1), 5), (dt.date(2026, 3, 2), 7)]
    root = ET.fromstring(daily_bars_svg(days, title="每日选票 <2026>"))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "每日选票 <2026>"
    assert [b.find(f"{SVG}title").text for b in root.findall(f"{SVG}rect")] == ["2026-03-01: 5", "2026-03-02: 7"]


def test_a_long_campaign_labels_only_some_days_and_stays_within_its_width():
    days = [(dt.date(2026, 1, 1) + dt.timedelta(days=i), i) for i in range(90)]
    root = ET.fromstring(daily_bars_svg(days, title="t"))
    labels = [t.text for t in root.findall(f"{SVG}text") if t.text and "-" in t.text]
    assert 6 <= len(labels) <= 10
    width = float(root.get("width"))
    assert all(float(b.get("x")) + float(b.get("width")) <= width for b in root.findall(f"{SVG}rect"))
