"""The notice read back from its PDF: what it says matches the run, and the file is what it claims."""
import io
import json

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.django_db  # see the `rendered` fixture

A4 = (595.276, 841.89)


def _lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def test_title_and_every_ranked_unit_with_its_score_as_in_the_run(rendered):
    reader = PdfReader(io.BytesIO(rendered["pdf"]))
    assert reader.metadata.title == rendered["title"] == f"关于{rendered['campaign_title']}结果的公示"
    first_page = reader.pages[0].extract_text()
    assert rendered["title"].replace(" ", "") in first_page.replace(" ", "").replace("\n", "")
    lines = [line.split() for line in _lines(rendered["pdf"])]
    ranked = [u for u in rendered["result"]["units"] if not u["suppressed"]]
    assert ranked
    for unit in ranked:
        row = [str(unit["rank"]), f"{unit['rank_low']}–{unit['rank_high']}", unit["name"], f"{unit['score']:.1f}",
               f"{unit['ci_low']:.1f}–{unit['ci_high']:.1f}"]
        assert any(tokens[:5] == row for tokens in lines), (unit["name"], row)


def test_suppressed_units_are_listed_as_insufficient_sample_without_a_score(rendered):
    suppressed = [u for u in rendered["result"]["units"] if u["suppressed"]]
    assert suppressed, "the factory campaign has a unit below min_ballots"
    lines = [line.split() for line in _lines(rendered["pdf"])]
    for unit in suppressed:
        rows = [tokens for tokens in lines if unit["name"] in tokens and "样本不足" in tokens]
        assert rows, unit["name"]
        assert all(f"{unit['score']:.1f}" not in tokens for tokens in rows)


def test_content_sections_period_and_objection_channels(rendered, settings):
    text = "".join(_lines(rendered["pdf"])).replace(" ", "")
    for heading in ("一、评议范围", "二、参与情况", "三、评议结果", "四、计算方法说明", "五、公示期限", "六、意见反馈"):
        assert heading in text
    assert "公示期为5个工作日，自2026年9月29日至2026年10月10日（国庆节假期不计入）" in text
    assert settings.MINPING_ISSUING_ORGAN in text
    assert "/notices/objections/" in text
    assert "2026年9月29日" in text
    assert "—1—" in text  # the page number of page 1


def test_every_page_is_a4(rendered):
    reader = PdfReader(io.BytesIO(rendered["pdf"]))
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == (595.28, 841.89)
    # Fonts, tags, the PDF/A declaration and the attachment: tests/publicity/test_pdf_structure.py


def test_results_json_is_attached_and_equals_the_run(rendered):
    reader = PdfReader(io.BytesIO(rendered["pdf"]))
    attachments = reader.attachments
    assert list(attachments) == ["results.json"]
    assert json.loads(attachments["results.json"][0]) == rendered["result"]


def test_the_same_run_renders_to_identical_bytes(rendered):
    assert rendered["pdf"] == rendered["again"]


def test_renderer_fetches_nothing_but_data_urls(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    from minping.pdf import render_pdf

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    with pytest.raises(FatalURLFetchingError):
        render_pdf(f'<img src="file://{secret}">')
