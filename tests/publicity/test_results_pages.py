"""The public results pages: a published notice's results in HTML (the same figures as its PDF),
filtered and sorted by links and a GET form; a unit's published history across campaigns."""
import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from publicity.services import notice_publish
from surveys.models import Unit
from tests.html_tables import html_svg_images, html_tables

from .factories import PUBLISHED_AT, scored_campaign, scored_campaign_rating

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def results_url(published):
    return f"/notices/{published.pk}/results/"


def _pdf_lines(notice) -> list[list[str]]:
    with default_storage.open(notice.file.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [line.split() for page in reader.pages for line in page.extract_text().splitlines()]


def _unit_rows(html: str) -> list[list[str]]:
    """The units' rows of every kind's table (not the header, not a "no unit matches" line)."""
    return [row for table in html_tables(html, "sortable")
            for row, attrs in zip(table["rows"], table["row_attrs"], strict=True) if "data-code" in attrs]


def test_every_ranked_units_figures_equal_those_printed_in_the_pdf(client, published, results_url):
    rows = _unit_rows(client.get(results_url).content.decode())
    pdf = _pdf_lines(published)
    ranked = [r for r in rows if r[0] != "—"]
    assert len(ranked) == sum(1 for u in published.run.result["units"] if not u["suppressed"]) >= 3
    for rank, interval, name, _district, score, ci, satisfied, _grade, _n in ranked:
        printed = [tokens for tokens in pdf if tokens[:3] == [rank, interval, name]]
        assert printed, name
        assert printed[0][3:6] == [score, ci, satisfied], name   # the PDF reads the same numbers


def test_units_below_the_minimum_are_listed_without_a_score(client, published, results_url):
    rows = _unit_rows(client.get(results_url).content.decode())
    suppressed = [u for u in published.run.result["units"] if u["suppressed"]]
    assert suppressed
    for unit in suppressed:
        row = next(r for r in rows if r[2] == unit["name"])
        assert row[0] == "—" and "样本不足" in row[4] and f"{unit['score'] or 0:.1f}" not in row


def test_the_page_names_the_pdf_as_the_official_record_with_its_hash(client, published, results_url):
    html = client.get(results_url).content.decode()
    assert "正式文本" in html and published.sha256 in html
    assert f"/notices/{published.pk}/pdf" in html


def test_the_notice_list_and_detail_link_to_the_results_page(client, published, results_url):
    assert results_url in client.get("/notices/").content.decode()
    assert results_url in client.get(f"/notices/{published.pk}/").content.decode()


def test_tables_are_accessible_caption_scopes_and_the_interval_spelled_out(client, published, results_url):
    html = client.get(results_url).content.decode()
    tables = html_tables(html, "sortable")
    assert tables and all(t["caption"] for t in tables)
    assert html.count('scope="col"') == 9 * len(tables) and 'scope="row"' in html
    assert "95%置信区间" in html and "±" not in html


def test_each_kinds_forest_plot_shows_its_ranked_units_by_score(client, published, results_url):
    html = client.get(results_url).content.decode()
    result = published.run.result
    plots = html_svg_images(html)
    kinds = [k for k in ("street_office", "city_organ")]
    assert len(plots) == len(kinds)
    for svg, kind in zip(plots, kinds, strict=True):
        ranked = [u for u in result["units"] if u["kind"] == kind and not u["suppressed"]]
        markers = svg.findall(f"{SVG}circle[@class='marker']")
        assert [float(m.get("data-estimate")) for m in markers] == sorted((u["score"] for u in ranked), reverse=True)


def test_filter_by_kind_shows_only_that_kind(client, published, results_url):
    html = client.get(results_url + "?kind=city_organ").content.decode()
    organs = {u["name"] for u in published.run.result["units"] if u["kind"] == "city_organ"}
    assert {r[2] for r in _unit_rows(html)} == organs
    assert len(html_svg_images(html)) == 1


def test_filter_by_district_shows_only_its_units(client, published, results_url):
    in_d1 = set(Unit.objects.filter(region__code__startswith="D1").values_list("name", flat=True)) | set(
        Unit.objects.filter(region__parent__code="D1").values_list("name", flat=True))
    listed = {u["name"] for u in published.run.result["units"]}
    assert in_d1 & listed and listed - in_d1
    rows = _unit_rows(client.get(results_url + "?district=D1").content.decode())
    assert {r[2] for r in rows} == in_d1 & listed
    assert all(r[3] == "甲区" for r in rows)


def test_sorting_by_name_or_by_score(client, published, results_url):
    by_score = [r for r in _unit_rows(client.get(results_url + "?kind=city_organ").content.decode())]
    by_name = [r for r in _unit_rows(client.get(results_url + "?kind=city_organ&sort=name").content.decode())]
    ranked = [u for u in published.run.result["units"] if u["kind"] == "city_organ" and not u["suppressed"]]
    assert [r[2] for r in by_score if r[0] != "—"] == [u["name"] for u in sorted(ranked, key=lambda u: u["rank"])]
    assert [r[2] for r in by_name if r[0] != "—"] == sorted(u["name"] for u in ranked)
    assert [r[2] for r in by_score if r[0] != "—"] != [r[2] for r in by_name if r[0] != "—"]  # the test can tell


def test_sort_links_keep_the_filter(client, published, results_url):
    html = client.get(results_url + "?kind=city_organ").content.decode()
    assert 'href="?kind=city_organ&amp;sort=name"' in html


@pytest.mark.parametrize("query,field", [("?kind=planet", "kind"), ("?district=nowhere", "district"),
                                         ("?sort=shoe-size", "sort")])
def test_an_unknown_filter_value_is_refused_and_named(client, published, results_url, query, field):
    response = client.get(results_url + query)
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index(f'id="id_{field}-errors"'):]
    assert "选择一个有效的选项" in errors[:errors.index("</div>")]
    assert not html_tables(html, "sortable")


def test_an_unknown_notice_is_not_found(client, db):
    assert client.get("/notices/999/results/").status_code == 404


def test_the_page_in_english(client, published, results_url):
    html = client.get(results_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "official record" in html and "95% confidence interval" in html


# --- A unit's public page ------------------------------------------------------------------------

def test_a_units_page_shows_its_published_result_in_each_campaign_and_a_trend(client, db):
    first = scored_campaign(seed=1)
    notice_publish(campaign=first, kind="publicity", actor="tests", now=PUBLISHED_AT)
    unit = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code")[0]
    second = scored_campaign_rating(unit, seed=2, year=first.year + 1)
    notice_publish(campaign=second, kind="publicity", actor="tests", now=PUBLISHED_AT)
    scored_campaign_rating(unit, seed=3, year=first.year + 2)        # scored, never published: not shown
    html = client.get(f"/units/{unit.code}/").content.decode()
    rows = html_tables(html, "history")[0]["rows"][1:]
    published = [(c, next(u for u in c.score_runs.get().result["units"] if u["code"] == unit.code))
                 for c in (first, second)]
    assert [r[0] for r in rows] == [c.title for c, _ in published]
    for row, (campaign, entry) in zip(rows, published, strict=True):
        shown = entry["published"]
        ranked = sum(1 for u in campaign.score_runs.get().result["units"]
                     if u["kind"] == "street_office" and not u["suppressed"])
        assert row[1] == f"{shown['score']:.1f}"
        assert row[2] == f"{shown['ci_low']:.1f}–{shown['ci_high']:.1f}（95%）"
        assert row[3] == f"第{entry['rank']}名（共{ranked}个）" and row[4] == f"{entry['rank_low']}–{entry['rank_high']}"
        assert row[6] == str(entry["n"])
    markers = html_svg_images(html)[0].findall(f"{SVG}circle[@class='marker']")
    assert [float(m.get("data-estimate")) for m in markers] == [e["published"]["score"] for _, e in published]
    assert published[0][1]["published"]["score"] != published[1][1]["published"]["score"]   # two distinct points


def test_a_unit_without_published_results_says_so(client, db):
    scored_campaign()   # scored, not published
    unit = Unit.objects.order_by("code").first()
    response = client.get(f"/units/{unit.code}/")
    assert response.status_code == 200 and "尚无已公布的结果" in response.content.decode()
    assert not html_tables(response.content.decode(), "history")


def test_an_unknown_unit_is_not_found(client, db):
    assert client.get("/units/NO-SUCH/").status_code == 404


def test_a_units_trend_shows_its_rectification_cases_beside_each_campaign(client, staff, db):
    import datetime as dt

    from rectification.models import RectificationCase
    from rectification.services import case_open_by_staff

    first = scored_campaign(seed=1)
    notice_publish(campaign=first, kind="publicity", actor="tests", now=PUBLISHED_AT)
    unit = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code")[0]
    second = scored_campaign_rating(unit, seed=2, year=first.year + 1)
    notice_publish(campaign=second, kind="publicity", actor="tests", now=PUBLISHED_AT)
    case_open_by_staff(campaign=first, unit=unit, problem="窗口午休不接待", actor=staff, today=dt.date(2026, 11, 2))
    rows = html_tables(client.get(f"/units/{unit.code}/").content.decode(), "history")[0]["rows"][1:]
    for row, campaign in zip(rows, (first, second), strict=True):
        count = RectificationCase.objects.filter(campaign=campaign, unit=unit).count()
        assert row[7] == (f"{count} 项整改事项，已整改 0 项" if count else "无")
    assert RectificationCase.objects.filter(campaign=first, unit=unit).exists()
