"""Publishing from the browser: a pre-filled, editable notice page; previews marked "预览 — 未发布"
on every page (never the published file); a confirmation that says what becomes public before
anything is; the 通报 from the same page once the period is over and every objection answered."""
import io
import re
from itertools import pairwise

import pdfplumber
from pypdf import PdfReader

from publicity import document
from publicity.models import Notice
from publicity.services import notice_publish, notice_render, objection_answer, objection_file
from surveys.models import Campaign

from .factories import PUBLISHED_AT

WATERMARK = "预览 — 未发布"


def _page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _watermarks_per_page(pdf: bytes) -> list[int]:
    """How many diagonal "预览—未发布" each page draws, read back by pdfplumber from the glyphs as placed."""
    mark = WATERMARK.replace(" ", "")
    counts = []
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        for page in opened.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            text = "".join(c["text"] for c in chars)
            found = 0
            for start in (m.start() for m in re.finditer(re.escape(mark), text)):
                glyphs = chars[start:start + len(mark)]
                # Diagonal: each glyph further right and higher up than the one before.
                if all(b["x0"] > a["x0"] and b["top"] < a["top"] for a, b in pairwise(glyphs)):
                    found += 1
            counts.append(found)
    return counts


def test_the_preview_pdf_is_watermarked_on_every_page_and_the_published_file_is_not(scored):
    preview = notice_render(campaign=scored, kind="publicity", issued_on=PUBLISHED_AT.date())
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    with notice.file.open("rb") as stored:
        published = stored.read()
    preview_pages = _watermarks_per_page(preview.pdf)
    assert len(preview_pages) >= 2 and preview_pages == [1] * len(preview_pages), preview_pages
    assert _watermarks_per_page(published) == [0] * len(_page_texts(published))
    assert all(WATERMARK.replace(" ", "") not in text.replace(" ", "") for text in _page_texts(published))


def test_the_html_preview_carries_the_watermark(client, staff, scored):
    client.force_login(staff)
    html = client.get(f"/notices/staff/{scored.slug}/publicity/preview/").content.decode()
    assert html.count('class="preview-watermark"') == 1 and WATERMARK in html
    assert 'class="preview-watermark"' not in document.notice_html(
        notice_render(campaign=scored, kind="publicity", pdf=False).data)


def test_the_notice_page_prefills_title_and_opening_text_from_the_campaign(client, staff, scored):
    client.force_login(staff)
    page = client.get(f"/notices/staff/{scored.slug}/publicity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="关于{scored.title}结果的公示"' in html
    body = re.search(r'<textarea name="body"[^>]*>\s*(.*?)</textarea>', html, re.S).group(1)
    assert scored.title in body and "现将评议结果予以公示" in body
    assert "发布…" in html   # the publish button leads to the confirmation


def test_publishing_asks_for_confirmation_showing_what_becomes_public_and_publishes_nothing_yet(
        client, staff, scored):
    client.force_login(staff)
    page = client.get(f"/notices/staff/{scored.slug}/publicity/publish/",
                      {"title": "关于某某评议结果的公示（修订稿）", "body": "导语的新文字。"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "关于某某评议结果的公示（修订稿）" in html and "导语的新文字。" in html
    assert "无法撤销" in html or "不能撤销" in html
    units = len(scored.score_runs.latest("number").result["units"])
    assert f"{units} 个单位" in html
    assert not Notice.objects.exists()
    scored.refresh_from_db()
    assert scored.status == Campaign.Status.SCORED


def test_the_confirmed_publication_runs_as_a_job_with_the_edited_text(client, staff, scored):
    client.force_login(staff)
    response = client.post(f"/notices/staff/{scored.slug}/publicity/publish/",
                           {"title": "修订后的标题", "body": "修订后的导语。"})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job_page = client.get(response["Location"])
    notice = Notice.objects.get()
    assert (notice.title, notice.body) == ("修订后的标题", "修订后的导语。")
    assert f"/notices/{notice.pk}/" in job_page.content.decode()


def test_an_over_long_title_is_refused_with_the_form_and_nothing_is_published(client, staff, scored):
    client.force_login(staff)
    response = client.post(f"/notices/staff/{scored.slug}/publicity/publish/", {"title": "长" * 301, "body": ""})
    assert response.status_code == 400 and "300" in response.content.decode()
    assert not Notice.objects.exists()


def test_the_final_report_waits_for_the_answers_then_is_published_from_the_same_page(client, staff, published):
    """The period of `published` ended on 2026-10-10 (the test clock is later): only the open
    objection stands in the way; once answered, the page offers the publication."""
    campaign = published.campaign
    objection = objection_file(notice=published, text="得分有误", now=PUBLISHED_AT)
    client.force_login(staff)
    url = f"/notices/staff/{campaign.slug}/final/"
    waiting = client.get(url).content.decode()
    assert objection.number in waiting and "发布…" not in waiting
    assert "manage.py" not in waiting
    refused = client.post(url + "publish/", {"title": "", "body": ""})
    assert refused.status_code == 302 and not Notice.objects.filter(kind="final").exists()

    objection_answer(objection=objection, reply="已复核，结果无误。", actor=staff)
    ready = client.get(url).content.decode()
    assert "发布…" in ready and "结果的通报" in ready
    client.post(url + "publish/", {"title": "", "body": ""})
    final = Notice.objects.get(kind="final")
    assert final.previous_sha256 == published.sha256
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.FINAL


def test_other_users_cannot_reach_the_publishing_pages(client, outsider, contact, scored):
    for user in (outsider, contact):
        client.force_login(user)
        assert client.get(f"/notices/staff/{scored.slug}/publicity/").status_code == 403
        assert client.get(f"/notices/staff/{scored.slug}/publicity/publish/").status_code == 403
        assert client.post(f"/notices/staff/{scored.slug}/publicity/publish/").status_code == 403
    assert not Notice.objects.exists()
