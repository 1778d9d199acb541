"""Security headers: a strict CSP on every page, Permissions-Policy, no-store on ballots."""
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint into PDFs only (their page rules need <style>); never served as a page,
# except the staff preview, which alone allows inline style (publicity.views.staff_preview).
PDF_ONLY = {"publicity/notice.html", "publicity/_method_note.html", "publicity/_preview_watermark.html",
            "publicity/_chain_anchor.html", "surveys/slips.html",
            "rectification/notice.html"}
# Inline script (a data block, type="application/json" as json_script writes, is not run, so allowed),
# <style>, style="" and on…="" handlers.
INLINE = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style\b|<[a-z][^>]*\s(?:style|on[a-z]+)\s*=",
                    re.IGNORECASE)


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_no_web_template_has_inline_script_style_or_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in PDF_ONLY:
            continue
        offenders += [f"{name}: {match.group(0)!r}" for match in INLINE.finditer(path.read_text())]
    assert offenders == []


def test_control_the_scan_sees_inline_code():
    assert INLINE.search('<p style="color:red">') and INLINE.search("<script>alert(1)</script>")
    assert INLINE.search('<button onclick="go()">') and INLINE.search("<style>p{}</style>")
    assert not INLINE.search('<script src="/static/x.js"></script>')
    assert not INLINE.search('<script id="sheet" type="application/json">{"a": 1}</script>')
    assert not INLINE.search('<td class="num" data-style="x">')


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/notices/", "/notices/verify/", "/b/"])
def test_every_page_carries_the_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_swagger_ui_starts_from_a_script_file_and_only_its_styles_may_be_inline(client):
    response = client.get("/api/docs/")
    csp = csp_directives(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self' 'unsafe-inline'"
    page = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    init = re.search(r'<script src="([^"]*\?script=)"', page) or re.search(r'<script src="(/api/docs/[^"]*)"', page)
    assert init and client.get(init.group(1).replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("path", ["/b/", "/b/ABCD-EFGH-JKMN-PQRS-TVW1/", "/c/no-campaign/no-group/",
                                  "/api/v1/ballots/ABCD-EFGH-JKMN-PQRS-TVW1/"])
def test_ballot_pages_and_api_are_never_stored(client, path):
    cache_control = client.get(path)["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_ballot_answers_are_never_stored_either(client, codes, residents):
    from tests.surveys.conftest import valid_answers

    response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": valid_answers(residents)},
                           content_type="application/json")
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]


def test_public_notices_may_be_cached(client):
    assert "no-store" not in client.get("/notices/").get("Cache-Control", "")
