"""The notice's file, checked as a PDF/A-3a validator and a reader would: structure (pikepdf) and layout
measured from the page's text (pdfplumber), for a short notice and a long one.

The short notice is the factory campaign's (a few units; its annex starts on a page of its own, as
GB/T 9704 wants, so it has more than one page); the long one is a synthetic run of 230 units, about
twenty pages, with unit names long enough to wrap.
"""
import io
import subprocess

import pdfplumber
import pikepdf
import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from bench.notice_data import LONG_WINDOW_NAME, notice_data
from publicity import document

pytestmark = pytest.mark.django_db  # the `rendered` fixture reads the test database

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
BLOCK_LEFT, BLOCK_RIGHT = 28 * MM, (28 + 156) * MM
BLOCK_TOP, BLOCK_BOTTOM = 37 * MM, (37 + 225) * MM
HEADING_FONTS = ("Noto-Sans-CJK-SC", "LXGW-WenKai")   # 黑体 一、… and 楷体 （一）…


@pytest.fixture(scope="module")
def long_notice() -> dict:
    data = notice_data(230)
    return {"pdf": document.notice_pdf(data), "data": data}


@pytest.fixture(scope="module", params=["short", "long"])
def notice(request, rendered) -> dict:
    if request.param == "short":
        return {"pdf": rendered["pdf"], "name": "short"}
    return {**request.getfixturevalue("long_notice"), "name": "long"}


def _pages(pdf: bytes):
    return pdfplumber.open(io.BytesIO(pdf)).pages


def test_the_long_notice_has_about_twenty_pages_and_the_short_one_few(notice):
    pages = len(_pages(notice["pdf"]))
    assert (15 <= pages <= 25) if notice["name"] == "long" else (2 <= pages <= 8), pages


# --- Structure -------------------------------------------------------------------------------------

def test_xmp_declares_pdfa_3a_and_agrees_with_the_info_dictionary(notice):
    with pikepdf.open(io.BytesIO(notice["pdf"])) as pdf:
        xmp = pdf.open_metadata()
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "A")
        info = pdf.docinfo
        assert xmp["pdf:Producer"] == str(info["/Producer"])
        assert xmp["dc:title"] == str(info["/Title"])
        assert xmp["xmp:CreateDate"] == xmp["xmp:ModifyDate"] == "2026-09-29T00:00:00+08:00"
        assert str(info["/CreationDate"]) == str(info["/ModDate"]) == "D:20260929000000+08'00'"


def test_the_output_intent_is_an_srgb_profile_for_pdfa(notice):
    with pikepdf.open(io.BytesIO(notice["pdf"])) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3 and profile.read_bytes()[36:40] == b"acsp"   # an ICC profile, RGB


def _widths(w) -> dict[int, float]:
    """A CID font's /W array as {cid: width}: both `c [w1 w2 …]` and `c_first c_last w` forms."""
    out, items, i = {}, list(w), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            out.update({first + k: float(v) for k, v in enumerate(items[i + 1])})
            i += 2
        else:
            out.update({cid: float(items[i + 2]) for cid in range(first, int(items[i + 1]) + 1)})
            i += 3
    return out


def test_every_font_is_embedded_and_subset_with_widths_that_match_its_program(notice):
    with pikepdf.open(io.BytesIO(notice["pdf"])) as pdf:
        fonts = {font.objgen: font for page in pdf.pages for font in page.Resources.Font.values()}
        names = set()
        for font in fonts.values():
            assert font.Subtype == "/Type0", font.BaseFont
            [cid_font] = font.DescendantFonts
            descriptor = cid_font.FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            assert program is not None, f"{font.BaseFont} is not embedded"
            name = str(font.BaseFont)
            assert name[7] == "+" and name[1:7].isupper(), f"{name} is not a subset"
            names.add(name[8:])
            face = TTFont(io.BytesIO(program.read_bytes()))
            order, scale = face.getGlyphOrder(), 1000 / face["head"].unitsPerEm
            widths = _widths(cid_font.W)
            assert widths
            for cid, width in widths.items():   # CIDToGIDMap /Identity: a CID is the glyph's index
                assert abs(face["hmtx"][order[cid]][0] * scale - width) < 0.5, (name, cid, width)
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"} <= names   # body and 黑体 headings


def test_results_json_is_the_one_associated_file_with_its_relationship_type_and_dates(notice):
    with pikepdf.open(io.BytesIO(notice["pdf"])) as pdf:
        [spec] = pdf.Root.AF                                     # WeasyPrint 70 lists it twice
        assert str(spec.UF) == "results.json" and spec.AFRelationship == "/Data"
        embedded = spec.EF.F
        assert embedded.Subtype == "/application/json"
        assert str(embedded.Params.CreationDate) == str(embedded.Params.ModDate) == "D:20260929000000+08'00'"
        assert list(pdf.attachments) == ["results.json"]


def _structure(element, found: list) -> None:
    kind = element.get("/S")
    if kind is not None:
        found.append((str(kind), str(element.get("/Alt", ""))))
    kids = element.get("/K")
    if isinstance(kids, pikepdf.Dictionary):
        kids = [kids]
    if isinstance(kids, pikepdf.Array):
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid or isinstance(kid, pikepdf.Dictionary) and "/K" in kid:
                _structure(kid, found)


def test_the_file_is_tagged_with_headings_tables_and_figures_with_alternative_text(notice):
    with pikepdf.open(io.BytesIO(notice["pdf"])) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "zh-CN"
        found: list = []
        _structure(pdf.Root.StructTreeRoot, found)
    kinds = {kind for kind, _ in found}
    assert {"/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD", "/Figure"} <= kinds, kinds
    figures = [alt for kind, alt in found if kind == "/Figure"]
    assert figures and all(alt.strip() for alt in figures)
    assert any("二维码" in alt and "/notices/objections/" in alt for alt in figures)   # the QR code
    assert any("森林图" in alt for alt in figures)                                     # the plots


def test_a_signed_notice_keeps_pdfa_3a_and_its_xmp_agrees_with_info(rendered, tmp_path, settings):
    from publicity import signing

    settings.MINPING_SIGNING_P12 = str(signing.make_self_signed_p12(path=tmp_path / "k.p12", passphrase="",
                                                                    organ="民评市群众评议工作办公室"))
    signed = signing.sign_pdf(rendered["pdf"])
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        xmp, info = pdf.open_metadata(), pdf.docinfo
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "A")
        assert xmp["pdf:Producer"] == str(info["/Producer"]) and "pyHanko" in xmp["pdf:Producer"]
        assert len(pdf.Root.AF) == 1
    [report] = signing.signatures(signed)
    assert report.ok


# --- Layout, measured from the pages --------------------------------------------------------------

def _dash_stroke_top_em() -> float:
    """Where the stroke of "—" (U+2014) begins above the baseline in Noto Serif CJK SC, in em."""
    found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Serif CJK SC"], capture_output=True,
                           text=True, check=True).stdout
    path, index = found.rsplit(":", 1)
    face = TTFont(path, fontNumber=int(index))
    glyphs = face.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[face.getBestCmap()[0x2014]].draw(pen)
    return pen.bounds[3] / face["head"].unitsPerEm


def test_page_numbers_sit_7_mm_under_the_block_right_on_odd_pages_left_on_even(notice):
    stroke = _dash_stroke_top_em()
    for page in _pages(notice["pdf"]):
        chars = [c for c in page.chars if c["top"] > BLOCK_BOTTOM]
        assert "".join(c["text"] for c in chars).replace(" ", "") == f"—{page.page_number}—"
        dash = chars[0]
        baseline = PAGE_HEIGHT - dash["matrix"][5]
        stroke_top = baseline - stroke * dash["size"]
        assert abs(stroke_top - BLOCK_BOTTOM - 7 * MM) < 0.3 * MM, (page.page_number, (stroke_top - BLOCK_BOTTOM) / MM)
        assert round(dash["size"]) == 14
        one_character = 14
        if page.page_number % 2:
            assert abs(chars[-1]["x1"] - (BLOCK_RIGHT - one_character)) < 1 * MM
        else:
            assert abs(chars[0]["x0"] - (BLOCK_LEFT + one_character)) < 1 * MM


def _lines(page) -> list[dict]:
    return [line for line in page.extract_text_lines(return_chars=True) if line["bottom"] <= BLOCK_BOTTOM]


def _is_heading(line: dict) -> bool:
    first = line["chars"][0]
    return round(first["size"]) == 16 and any(font in first["fontname"] for font in HEADING_FONTS) \
        and "Mono" not in first["fontname"]


def test_no_heading_ends_a_page(notice):
    pages = _pages(notice["pdf"])
    for page in pages[:-1]:
        lines = _lines(page)
        assert lines and not _is_heading(lines[-1]), (page.page_number, lines[-1]["text"])


def test_no_page_is_left_more_than_a_third_empty_before_the_text_goes_on(notice):
    pages = _pages(notice["pdf"])
    annex = next(p.page_number for p in pages if _lines(p)[0]["text"].strip() == "附件")
    for page in pages[:-1]:
        if page.page_number == annex - 1:
            continue   # the body's last page: the annex starts on a page of its own
        objects = page.chars + page.rects + page.lines + page.curves + page.images
        lowest = max(o["bottom"] for o in objects if o["top"] < BLOCK_BOTTOM)
        assert BLOCK_BOTTOM - lowest < 225 * MM / 3, (page.page_number, (BLOCK_BOTTOM - lowest) / MM)


def test_the_objection_url_is_printed_whole_on_one_line(notice):
    text_lines = [line["text"].replace(" ", "") for page in _pages(notice["pdf"]) for line in _lines(page)]
    urls = [line for line in text_lines if "/notices/objections/" in line]
    assert len(urls) == 1
    assert urls[0].startswith("http://") and urls[0].endswith("/")


def test_unit_names_wrap_only_between_words(long_notice):
    names = {r.name for s in long_notice["data"].sections for r in s.ranked + s.suppressed}
    long_names = {n for n in names if n.startswith(LONG_WINDOW_NAME)}
    text_lines = [line["text"].replace(" ", "") for page in _pages(long_notice["pdf"]) for line in _lines(page)]
    for name in names - long_names:                      # short names: whole on one line
        assert any(name in line for line in text_lines), name
    continued = 0
    for name in long_names:
        parts = document.name_parts(name)
        cuts = {len("".join(parts[:k])) for k in range(1, len(parts))}
        for line in text_lines:
            for i in range(1, len(name) - 1):
                if line.startswith(name[i:]):             # a line that continues the name from character i
                    assert i in cuts, (name, line)
                    continued += 1
    assert continued, "the long names wrap in these tables (else this test would check nothing)"


def test_the_signature_shares_its_page_with_the_end_of_the_body(notice):
    for page in _pages(notice["pdf"]):
        texts = [line["text"].replace(" ", "") for line in _lines(page)]
        if any(t.startswith("特此") for t in texts):
            closing = next(i for i, t in enumerate(texts) if t.startswith("特此"))
            assert closing >= 1, "特此… opens a page: the body's last lines went before it"
            assert any(t.startswith("附件：") for t in texts[closing:])
            assert any(t.startswith("2026年9月29日") for t in texts[closing:])   # 成文日期 on the same page
            return
    pytest.fail("no closing words found")


def test_an_organs_seal_presses_on_the_signature_and_the_date_both_below_its_centre(tmp_path):
    from PIL import Image, ImageDraw

    seal = tmp_path / "seal.png"
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((8, 8, 392, 392), outline=(230, 0, 18, 255), width=14)
    image.save(seal)
    data = notice_data(12)
    data.seal_data_url = document.seal_data_url(str(seal))
    pages = _pages(document.notice_pdf(data))
    page = next(p for p in pages if p.images)
    [picture] = [i for i in page.images if abs((i["x1"] - i["x0"]) - 42 * MM) < 1]
    centre = (picture["top"] + picture["bottom"]) / 2
    lines = {line["text"].replace(" ", ""): line for line in _lines(page)}
    organ, date = lines[data.issuing_organ], lines["2026年9月29日"]
    middle = (picture["x0"] + picture["x1"]) / 2
    for line in (organ, date):
        assert abs((line["x0"] + line["x1"]) / 2 - middle) < 1 * MM    # centred under the seal …
        assert centre < line["top"] < picture["bottom"]                  # … and below its centre
    annex_note = next(line for text, line in lines.items() if text.startswith("附件："))
    assert picture["top"] - annex_note["bottom"] < 28.9                                # within a line of the text
    assert abs((date["x1"] + 4 * 16) - BLOCK_RIGHT) < 1 * MM                         # the date ends 4 characters in
