"""The notice as a document: its content (plain data), its HTML, its PDF.

`NoticeData` holds everything a notice prints, built from a score run by `selectors.notice_data`
(or directly, e.g. by the benchmark). `notice_html` renders it with the template the browser
preview uses too; `notice_pdf` turns that HTML into a tagged PDF/A-3a with the run's results
attached as `results.json`.

Notices are official documents in Chinese, whatever language the person rendering them uses, so
their wording is fixed Chinese text here and in `templates/publicity/notice.html`, not gettext:
the same run must give the same bytes whoever renders it. Nothing in a notice depends on the
clock except the date of issue it is given: the PDF's creation date, the attachment's dates and
the file identifier all follow from the content, so the same run rendered twice is byte-identical.
"""
import base64
import datetime as dt
import json
import math
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path

import segno
from django.template.loader import render_to_string
from django.utils import translation

from minping.pdf import local_only_fetcher, pdfa_finisher, render_pdf
from scoring.forest import LABEL_ROOM as FOREST_LABEL_ROOM
from scoring.forest import ForestRow, forest_svg, label_em
from scoring.results import RunResult, UnitResult

from .calendar import Period
from .forest_pages import slice_forest

KIND_LABELS = {
    "street_office": "街道办事处",
    "community": "社区",
    "window": "窗口服务单位",
    "city_organ": "市级机关",
    "other": "其他单位",
}
CHANNEL_LABELS = {"online": "网上评议", "paper": "纸质评议", "kiosk": "现场终端"}
CHANNEL_ORDER = list(CHANNEL_LABELS)
PROFILE_LABELS = {"district": "所在区", "age": "年龄段", "sex": "性别", "street": "所在街道", "education": "文化程度"}
NUMERALS = "一二三四五六七八九十"
# A forest plot is cut into pieces of at most this many units (a piece cannot break across pages).
# Ten rows and the axis are ≈ 61 mm high in print: a piece that does not fit where the text ends
# moves on and leaves less than a third of the 225 mm text block empty.
FOREST_ROWS_PER_PIECE = 10
# Where a unit's name may wrap in a table cell: after a leading place name (民评市) and after these
# words (and closing brackets), never inside a word.
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,4}?[市区县](?=.{2})")
_WORD = re.compile(r".+?(?:街道办事处|办事处|委员会|办公室|管理局|服务中心|街道|社区|窗口|大厅|分局|支队|大队|人民政府|"
                   r"领导小组|工作组|[）)])")
BLOCK_WIDTH_PT = 156 / 25.4 * 72   # the text block's width
# The organ mark (发文机关标志): one line at 30 pt when it fits the block, smaller for a longer name down
# to ORGAN_MARK_MIN_PT, then two (or more) balanced lines broken between words rather than smaller type.
ORGAN_MARK_PT, ORGAN_MARK_MIN_PT = 30.0, 20.0
ORGAN_MARK_SPACING = 0.05   # em of letter-spacing after each character
# The 版记 in 4号 (14 pt): a line per element, 抄送 one character in on each side and wrapping under the
# first organ after "抄送：" (so 31 − 2 − 3 characters a line); the rules' heights and the rows' padding.
RECORD_FONT_PT, RECORD_LINE_PT = 14.0, 24.0
RECORD_COPIES_EM = int(BLOCK_WIDTH_PT // RECORD_FONT_PT) - 2 - 3
RECORD_PRINTED_EM = int(BLOCK_WIDTH_PT // RECORD_FONT_PT) - 2   # 印发机关 and 印发日期, one character in each
RECORD_DATE_EM = 12                                              # "2026年12月31日印发" and the space before it
RECORD_RULES_PT = (0.35 + 0.25 + 0.35) / 25.4 * 72
# The 署名 is centred over the 成文日期 (16 pt, ending four characters from the right of the 27.6
# character block, about 7 characters long): room for 14 characters on each side of its centre.
SIGNATURE_CENTRED_EM = 14
TABLE_FONT_PT = 10.5   # 五号, the annex tables' type
CELL_SLACK_PT = 1      # a cell's width is its content box: padding and rules come on top
NAME_FITS = 14   # characters of 10.5 pt that always fit on a line of the name column
BEIJING = dt.timezone(dt.timedelta(hours=8))
TITLE_SUFFIX = {"publicity": "公示", "final": "通报"}


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def numeral(i: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 … 20 → 二十 (enough for headings and figure numbers)."""
    if i <= 10:
        return NUMERALS[i - 1]
    tens, ones = divmod(i, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def name_parts(name: str) -> list[str]:
    """A unit's name cut where a line may break: 民评市卫生健康委员会医师执业注册窗口 →
    民评市 | 卫生健康委员会 | 医师执业注册窗口. Each part is set unbreakable in the tables."""
    parts, position = [], 0
    place = _PLACE.match(name)
    if place:
        parts.append(place.group())
        position = place.end()
    while position < len(name):
        word = _WORD.match(name, position)
        end = word.end() if word else len(name)
        parts.append(name[position:end])
        position = end
    return parts


@dataclass(frozen=True)
class OrganMark:
    lines: list[str]
    size_pt: float


def organ_mark(organ: str) -> OrganMark:
    """The organ mark's lines and type size: the fewest lines (broken between words, of nearly equal
    length) on which it can be set within the block at no less than ORGAN_MARK_MIN_PT, at most 30 pt."""
    for count in range(1, len(organ) + 1):
        lines = balanced_lines(organ, count)
        widest = max(label_em(line) for line in lines) * (1 + ORGAN_MARK_SPACING)
        size = min(ORGAN_MARK_PT, math.floor(10 * BLOCK_WIDTH_PT / widest) / 10)
        if size >= ORGAN_MARK_MIN_PT:
            return OrganMark(lines, size)
    return OrganMark([organ], ORGAN_MARK_MIN_PT)   # unreachable: one character a line always fits


def balanced_lines(text: str, count: int) -> list[str]:
    """`text` on `count` lines of nearly equal length, each break between two words (`name_parts`)
    when one is within three characters of the even split, else at the even split."""
    words = name_parts(text)
    cuts = {len("".join(words[:k])) for k in range(1, len(words))}
    lines, start = [], 0
    for k in range(1, count):
        even = round(len(text) * k / count)
        near = sorted((c for c in cuts if start < c < len(text) and abs(c - even) <= 3), key=lambda c: abs(c - even))
        end = near[0] if near else even
        lines.append(text[start:end])
        start = end
    lines.append(text[start:])
    return [line for line in lines if line]


def fmt(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def percent(value, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def default_title(campaign_title: str, kind: str) -> str:
    return f"关于{campaign_title}结果的{TITLE_SUFFIX[kind]}"


# --- Plain data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupInfo:
    key: str
    name: str
    weight: float
    n: int
    design: str          # plain-language description of its weighting

    @property
    def weight_label(self) -> str:
        return f"{self.weight * 100:.4g}%"


@dataclass(frozen=True)
class ResultRow:
    rank: str
    rank_interval: str
    name: str
    score: str
    ci: str
    satisfied: str
    grade: str
    suppressed: bool

    @property
    def name_parts(self) -> list[str]:
        """The name in unbreakable parts when it may not fit on one line of its column, else whole
        (fewer boxes to lay out: most names are short)."""
        return name_parts(self.name) if len(self.name) > NAME_FITS else [self.name]


@dataclass
class KindSection:
    kind: str
    label: str
    heading: str          # （一）街道办事处
    ranked: list[ResultRow]
    suppressed: list[ResultRow]
    figure: int = 0
    forest: list["FigurePiece"] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ranked) + len(self.suppressed)

    @property
    def column_widths(self) -> list[tuple[int, float]]:
        """(column, width in pt) of the table's columns other than the name, from their widest content:
        the table is laid out with these (fixed layout, fast) and the name takes the rest."""
        columns = {1: ["名次"], 2: ["名次区间"], 4: ["综合得分"], 5: ["95%置信区间"], 6: ["满意率"], 7: ["等次"]}
        for r in self.ranked:
            for column, text in zip((1, 2, 4, 5, 6, 7), (r.rank, r.rank_interval, r.score, r.ci, r.satisfied, r.grade),
                                    strict=True):
                columns[column].append(text)
        return [(column, round(max(map(label_em, texts)) * TABLE_FONT_PT + CELL_SLACK_PT, 1))
                for column, texts in columns.items()]


@dataclass
class NoticeData:
    kind: str                          # "publicity" or "final"
    title: str
    body: str                          # the opening paragraph(s), separated by blank lines
    campaign_title: str
    issuing_organ: str
    issued_on: dt.date
    level: float
    groups: list[GroupInfo]
    participation: dict[str, dict[str, int]]     # group key → channel → ballots
    sections: list[KindSection]
    method: list[str]
    results_json: str
    run_number: int
    input_digest: str
    period: Period | None = None
    objection_url: str = ""
    phone: str = ""
    address: str = ""
    seal_data_url: str = ""
    previous_sha256: str = ""
    closing: list[str] = field(default_factory=list)   # final: how the publicity period went
    qr: str = ""                                        # the objection URL's QR code, a data: URL
    document_number: str = ""                           # 发文字号, e.g. 民评办〔2026〕3号
    recipients: str = ""                                # 主送机关, when the notice has any
    copies_to: str = ""                                 # 抄送机关 in the 版记, e.g. 市委办公室，市政府办公室
    printed_by: str = ""                                # 印发机关 in the 版记 (empty: the issuing organ)

    @property
    def printer(self) -> str:
        return self.printed_by or self.issuing_organ

    @property
    def annex_title(self) -> str:
        return f"{self.campaign_title}结果"

    @property
    def organ_mark(self) -> "OrganMark":
        return organ_mark(self.issuing_organ)

    @property
    def signature_centred(self) -> bool:
        """Whether the 署名 fits centred over the 成文日期, which ends four characters from the right."""
        return label_em(self.issuing_organ) <= SIGNATURE_CENTRED_EM

    @property
    def copies_to_text(self) -> str:
        """抄送 as the 版记 prints it: the organs, ending with 。 (none: no 抄送 line)."""
        organs = self.copies_to.strip().rstrip("。.")
        return f"{organs}。" if organs else ""

    @property
    def record_height_pt(self) -> float:
        """Room the 版记 takes at the foot of the last page (generous: it must never cover the text)."""
        lines = -(-(label_em(self.printer) + RECORD_DATE_EM) // RECORD_PRINTED_EM)
        lines += -(-label_em(self.copies_to_text) // RECORD_COPIES_EM) if self.copies_to_text else 0
        return lines * RECORD_LINE_PT + RECORD_RULES_PT + (RECORD_LINE_PT / 2)

    @property
    def kind_word(self) -> str:
        return TITLE_SUFFIX[self.kind]

    @property
    def level_label(self) -> str:
        return f"{round(100 * self.level):d}%"

    @property
    def unit_count(self) -> int:
        return sum(len(s.ranked) + len(s.suppressed) for s in self.sections)

    @property
    def ballot_total(self) -> int:
        return sum(sum(c.values()) for c in self.participation.values())

    @property
    def channel_summary(self) -> str:
        return "、".join(f"{label}{n}张" for label, n in self.channel_totals() if n)

    def channel_totals(self) -> list[tuple[str, int]]:
        totals = {c: sum(p.get(c, 0) for p in self.participation.values()) for c in CHANNEL_ORDER}
        return [(CHANNEL_LABELS[c], n) for c, n in totals.items()]

    def participation_rows(self) -> list[tuple[str, list[int], int]]:
        rows = []
        for g in self.groups:
            counts = self.participation.get(g.key, {})
            rows.append((g.name, [counts.get(c, 0) for c in CHANNEL_ORDER], sum(counts.values())))
        return rows


# --- From a run's result to the data -------------------------------------------------------------

def result_sections(result: RunResult) -> list[KindSection]:
    """Units per kind: ranked ones by rank, then the suppressed ones (样本不足) by code."""
    sections = []
    for i, (kind, units) in enumerate(result.units_by_kind(), start=1):
        ranked = sorted((u for u in units if u.ranked), key=lambda u: (u.rank, u.code))
        suppressed = sorted((u for u in units if not u.ranked), key=lambda u: u.code)
        label = KIND_LABELS.get(kind, kind)
        section = KindSection(kind=kind, label=label, heading=f"（{numeral(i)}）{label}",
                              ranked=[_row(u) for u in ranked], suppressed=[_row(u) for u in suppressed])
        forest_rows = [ForestRow(u.name, u.score, u.ci_low, u.ci_high, u.rank_low, u.rank_high)
                       for u in ranked if u.score is not None]
        if forest_rows:
            section.figure = sum(1 for s in sections if s.forest) + 1
            section.forest = forest_pieces(forest_rows, label, section.figure)
        sections.append(section)
    return sections


@dataclass(frozen=True)
class FigurePiece:
    src: str      # the SVG as a data: URL (an image: its elements are no part of the HTML's cascade)
    alt: str      # what a screen reader says (PDF/A-3a: the Figure's /Alt)
    names: list[tuple[str, str]] = field(default_factory=list)   # its units' names, top to bottom, with a size


def forest_pieces(rows: list[ForestRow], label: str, figure: int) -> list[FigurePiece]:
    """The plot in pieces, its names left out of the SVG: the template sets them over the name column
    as HTML text, one line a row (WeasyPrint lays SVG text out letter by letter: most of a plot's cost)."""
    svg = forest_svg(rows, title=f"{label}得分及置信区间", axis_label="得分（满分100分）", scores=False, labels=False)
    pieces = slice_forest(svg, len(rows), FOREST_ROWS_PER_PIECE)
    ordered = [r.label for r in sorted(rows, key=lambda r: (-r.estimate, r.label))]   # forest_svg's order
    out, first = [], 1
    for piece in pieces:
        count = piece.count('class="marker"')
        span = f"第{first}至{first + count - 1}位" if len(pieces) > 1 else f"共{count}个单位"
        out.append(FigurePiece(
            src="data:image/svg+xml;base64," + base64.b64encode(piece.encode()).decode(),
            alt=f"图{figure}（{span}）：{label}综合得分及置信区间的森林图，单位按得分从高到低排列，数值与附件表格一致。",
            names=[(name, _forest_name_size(name)) for name in ordered[first - 1:first - 1 + count]]))
        first += count
    return out


def _forest_name_size(name: str) -> str:
    """'' for a name that fits the plot's name column at its 12 px, else the smaller size ("s10", "s8")."""
    width = label_em(name)
    return "" if width * 12 <= FOREST_LABEL_ROOM else "s10" if width * 10 <= FOREST_LABEL_ROOM else "s8"


def _row(u: UnitResult) -> ResultRow:
    if not u.ranked:
        return ResultRow("—", "", u.name, "样本不足", "", "", "", True)
    sat = u.satisfied.value if u.satisfied else None
    shown = u.published   # rounded as the grade was decided (scoring.compute.published)
    return ResultRow(
        rank=str(u.rank), rank_interval=f"{u.rank_low}–{u.rank_high}", name=u.name,
        score=fmt(shown.score), ci=f"{fmt(shown.ci_low)}–{fmt(shown.ci_high)}", satisfied=percent(sat),
        grade=(u.grade or "—") + ("（临界）" if u.borderline else ""), suppressed=False,
    )


def design_text(design: dict | None, population: int | None = None) -> str:
    """How a group's ballots were weighted, in a sentence a resident can follow."""
    design = design or {}

    def names(keys) -> str:
        return "、".join(PROFILE_LABELS.get(k, k) for k in keys)

    parts = []
    if design.get("strata"):
        parts.append(f"按{names([design['strata']])}分层，各层按实际人口数计算")
    elif isinstance(design.get("fpc"), (int, float)):
        parts.append(f"该群体总人数为{int(design['fpc'])}人，计算误差时考虑了参评人数占总人数的比例")
    if design.get("poststratify"):
        parts.append(f"按{names(design['poststratify'])}的人口数调整权重（事后分层）")
    if design.get("rake"):
        parts.append(f"按{names(design['rake'])}的人口结构调整权重，使样本结构与人口结构一致")
    return "；".join(parts) if parts else "各评议票权重相同"


def result_json_text(result: RunResult) -> str:
    """The run's result as attached: the stored JSON at full precision, keys sorted (the same text
    on every database)."""
    return json.dumps(result.to_json(), ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)


def qr_data_url(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def seal_data_url(path: str) -> str:
    """The organ's own seal image as a data: URL (the renderer fetches nothing else)."""
    if not path:
        return ""
    file = Path(path)
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if mime not in ("image/png", "image/svg+xml", "image/jpeg"):
        raise ValueError(f"The seal image must be PNG, JPEG or SVG, not {mime}: {path}")
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode()}"


# --- Rendering ----------------------------------------------------------------------------------

def notice_html(data: NoticeData, *, preview: bool = False) -> str:
    """The notice as one HTML document (CSS inline, images as data: URLs) — PDF and browser preview."""
    with translation.override("zh-hans"):
        return render_to_string("publicity/notice.html", {"n": data, "preview": preview,
                                                          "created": _w3c(data.issued_on)})


def _w3c(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"


def notice_pdf(data: NoticeData, *, preview: bool = False) -> bytes:
    """Tagged PDF/A-3a with fonts embedded and subset, the results attached as results.json.
    A `preview` carries the "预览 — 未发布" watermark on every page."""
    from weasyprint import Attachment

    stamp = dt.datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, tzinfo=BEIJING)
    attachment = Attachment(
        string=data.results_json, name="results.json", url_fetcher=local_only_fetcher(),
        description=f"评议计算结果（第{data.run_number}次计算）", created=stamp, modified=stamp, relationship="Data",
    )
    return render_pdf(notice_html(data, preview=preview), pdf_variant="pdf/a-3a", attachments=[attachment], custom_metadata=True,
                      finisher=pdfa_finisher(stamp))
