"""GB/T 9704 layout read back from the notice's pages (pdfplumber): the 版记 at the foot of the last page,
a long organ name fitted into the masthead, and nothing printed into the margins — the final report's
SHA-256 included."""
import io

import pdfplumber
import pytest

from bench.notice_data import notice_data
from publicity import document
from publicity.services import notice_render

from .factories import AFTER_PERIOD

MM = 72 / 25.4
BLOCK_LEFT, BLOCK_RIGHT = 28 * MM, (28 + 156) * MM
BLOCK_TOP, BLOCK_BOTTOM = 37 * MM, (37 + 225) * MM
RECORD_CHARACTER = 14   # 4号: the 版记's type, and its "one character" of indent
# 40 characters, of words the name breaks between (人民政府 | … 领导小组 | 办公室 …).
LONG_ORGAN = "民评市人民政府群众满意度评议工作领导小组办公室民评市卫生健康委员会医师执业注册处"
COPIES_TO = "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室，市纪委监委，各区人民政府，市政府各部门"


def _pages(pdf: bytes):
    return pdfplumber.open(io.BytesIO(pdf)).pages


def _lines(page) -> list[dict]:
    return [dict(line, text=line["text"].replace(" ", "")) for line in page.extract_text_lines()]


def _outside_the_block(pdf: bytes) -> list[tuple[int, str]]:
    """Characters printed left or right of the 156 mm text block, by page."""
    return [(page.page_number, c["text"]) for page in _pages(pdf) for c in page.chars
            if c["x0"] < BLOCK_LEFT - 0.5 or c["x1"] > BLOCK_RIGHT + 0.5]


@pytest.fixture(scope="module")
def long_organ_notice() -> bytes:
    data = notice_data(12)
    data.issuing_organ = LONG_ORGAN
    data.copies_to = COPIES_TO
    data.printed_by = "民评市群众评议工作办公室"
    return document.notice_pdf(data)


# --- 版记 ----------------------------------------------------------------------------------------------

def test_the_record_closes_the_last_page_between_full_width_rules_the_last_on_the_blocks_lower_edge(
        long_organ_notice):
    pages = _pages(long_organ_notice)
    last = pages[-1]
    assert not any("印发" in line["text"] for page in pages[:-1] for line in _lines(page))
    rules = [r for r in last.rects if r["top"] > BLOCK_TOP]
    assert rules and all(abs(r["x0"] - BLOCK_LEFT) < 0.5 and abs(r["x1"] - BLOCK_RIGHT) < 0.5 for r in rules)
    # Each rule is drawn as the band between two edges: thick (0.35 mm), thin (0.25 mm), thick.
    edges = sorted({round(y / MM, 2) for r in rules for y in (r["top"], r["bottom"])})
    assert len(edges) == 6, edges
    assert [round(edges[i + 1] - edges[i], 2) for i in (0, 2, 4)] == pytest.approx([0.35, 0.25, 0.35], abs=0.03)
    assert abs(edges[-1] - BLOCK_BOTTOM / MM) < 0.1      # the last rule on the block's lower edge

    lines = _lines(last)
    copies = [line for line in lines if edges[1] * MM < line["top"] < edges[2] * MM]
    printed = [line for line in lines if edges[3] * MM < line["top"] < edges[4] * MM]
    assert "".join(line["text"] for line in copies) == f"抄送：{COPIES_TO}。"
    assert len(copies) == 2
    assert abs(copies[0]["x0"] - (BLOCK_LEFT + RECORD_CHARACTER)) < 1          # one character in …
    assert abs(copies[1]["x0"] - (BLOCK_LEFT + 4 * RECORD_CHARACTER)) < 1      # … wrapping under the first organ
    assert max(line["x1"] for line in copies) <= BLOCK_RIGHT - RECORD_CHARACTER + 0.5
    [line] = printed
    printer, date = [c for c in line["chars"] if c["text"].strip()][0], line["chars"][-1]
    assert line["text"] == "民评市群众评议工作办公室2026年9月29日印发"
    assert abs(printer["x0"] - (BLOCK_LEFT + RECORD_CHARACTER)) < 1 and round(printer["size"]) == 14
    assert abs(date["x1"] - (BLOCK_RIGHT - RECORD_CHARACTER)) < 1
    text_above = [line for line in lines if line["bottom"] < edges[0] * MM]
    assert text_above and all(line["bottom"] < edges[0] * MM for line in lines if line not in copies + printed
                              and line["top"] < BLOCK_BOTTOM)


def test_without_copies_the_record_has_the_printing_line_alone_and_the_issuing_organ_prints():
    pdf = document.notice_pdf(notice_data(12))
    last = _lines(_pages(pdf)[-1])
    assert not any(line["text"].startswith("抄送") for line in last)
    assert any(line["text"] == "民评市群众评议工作办公室2026年9月29日印发" for line in last)


# --- Masthead ---------------------------------------------------------------------------------------

def test_a_40_character_organ_name_stays_within_the_type_area_on_balanced_lines(long_organ_notice):
    assert len(LONG_ORGAN) == 40
    first = _pages(long_organ_notice)[0]
    red = [c for c in first.chars if c["non_stroking_color"] and c["non_stroking_color"][0] > 0.8
           and c["non_stroking_color"][1] < 0.1]
    assert "".join(c["text"] for c in red) == LONG_ORGAN
    assert all(BLOCK_LEFT - 0.5 <= c["x0"] and c["x1"] <= BLOCK_RIGHT + 0.5 for c in red)
    mark = document.organ_mark(LONG_ORGAN)
    assert {round(c["size"], 1) for c in red} == {mark.size_pt}     # as large as two lines in the block allow
    assert document.ORGAN_MARK_MIN_PT <= mark.size_pt < 22
    lines = {}
    for c in red:
        lines.setdefault(round(c["top"]), []).append(c)
    assert len(lines) == 2
    for chars in lines.values():
        middle = (chars[0]["x0"] + chars[-1]["x1"]) / 2
        assert abs(middle - (BLOCK_LEFT + BLOCK_RIGHT) / 2) < 1 * MM        # centred
    assert abs(min(lines) - (BLOCK_TOP + 35 * MM)) < 3 * MM                 # 35 mm under the block's top


def test_the_organ_mark_takes_one_line_at_30_pt_while_it_fits_then_smaller_type_then_lines_between_words():
    assert document.organ_mark("民评市群众评议工作办公室") == document.OrganMark(["民评市群众评议工作办公室"], 30.0)
    eighteen = document.organ_mark("民评市人民政府群众评议工作办公室")
    assert eighteen.lines == ["民评市人民政府群众评议工作办公室"] and 23 < eighteen.size_pt < 30
    mark = document.organ_mark(LONG_ORGAN)
    assert "".join(mark.lines) == LONG_ORGAN and len(mark.lines) == 2
    assert mark.lines[0].endswith("领导小组")               # a word's end near the middle, not the middle
    for line in mark.lines:
        assert document.label_em(line) * (1 + document.ORGAN_MARK_SPACING) * mark.size_pt <= 156 * MM


def test_a_long_organ_name_prints_nothing_into_the_margins_signature_and_record_included(long_organ_notice):
    assert _outside_the_block(long_organ_notice) == []
    signature = [line for page in _pages(long_organ_notice) for line in _lines(page)
                 if line["text"].startswith("民评市人民政府")]
    assert len(signature) == 2     # the masthead's first line and the 署名's, which wraps right-aligned


# --- The final report's hash line --------------------------------------------------------------------

def test_the_final_reports_hash_of_the_publicity_notice_wraps_within_the_margins(published):
    final = notice_render(campaign=published.campaign, kind="final", issued_on=AFTER_PERIOD.date(), preview=False)
    assert _outside_the_block(final.pdf) == []
    text = "".join(line["text"] for page in _pages(final.pdf) for line in _lines(page))
    assert f"公示文件SHA-256：{published.sha256}" in text     # whole, across the line break


# --- The forest plots' names ---------------------------------------------------------------------------

NAME_COLUMN_RIGHT = BLOCK_LEFT + (230 - 8) / 720 * 156 * MM   # the plot's names end 8 px left of its axis


def test_each_forest_name_stands_on_its_units_row_within_the_name_column():
    data = notice_data(60)
    pages = _pages(document.notice_pdf(data))
    plotted = 0
    for page in pages:
        markers = [c for c in page.curves if c["fill"] and c["non_stroking_color"]   # the red dots
                   and c["non_stroking_color"][0] > 0.6 > c["non_stroking_color"][1]
                   and c["x1"] - c["x0"] < 2 * MM and c["bottom"] - c["top"] < 2 * MM]
        if not markers:
            continue
        names = [line for line in page.extract_text_lines() if line["x1"] <= NAME_COLUMN_RIGHT + 0.5
                 and any(abs((line["top"] + line["bottom"]) / 2 - (m["top"] + m["bottom"]) / 2) < 0.5 * MM
                         for m in markers)]
        assert len(names) == len(markers), page.page_number      # one name a row, on the row's height
        for line in names:
            assert line["x0"] >= BLOCK_LEFT and abs(line["x1"] - NAME_COLUMN_RIGHT) < 1 * MM   # right-aligned
        plotted += len(names)
    ranked = {r.name for s in data.sections for r in s.ranked}
    assert plotted == len(ranked)
    long_names = [r.name for s in data.sections for r in s.ranked if len(r.name) > 18]
    assert long_names    # they are set smaller to fit the column (checked above with the others)
