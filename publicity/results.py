"""Reads for the public results pages: a published notice's tables in HTML, a unit's published history.

Only what a published notice printed is shown: its run's result, formatted by the same helpers as
the PDF (`document.fmt`, `document.percent`, the rounded `published` values), so the page and the
official file show the same figures.
"""
from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from scoring.forest import ForestRow, forest_svg
from scoring.results import UnitResult, kind_position
from scoring.templatetags.scoring_tags import grade_label
from scoring.trend_chart import entry_points, trend_svg
from surveys.models import Campaign, Region, Unit

from . import document
from .models import Notice, Objection


@dataclass(frozen=True)
class UnitRow:
    """One unit of a notice's results, its figures as the notice prints them."""

    code: str
    name: str
    kind: str
    district: str            # the district's name, "" when the unit has none
    suppressed: bool         # 样本不足: not estimated, graded or ranked
    n: int
    rank: int | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    score: str = ""
    ci_low: str = ""
    ci_high: str = ""
    satisfied: str = ""
    grade: str = ""          # with "borderline" when the interval reaches another grade
    estimate: float | None = None


@dataclass
class KindResults:
    kind: str
    label: str
    rows: list[UnitRow]
    svg: str = ""
    ranked: int = 0       # ranked units of this kind in the notice (ranks are "out of" these)


@dataclass
class NoticeResults:
    level: int                                   # the confidence level in %, e.g. 95
    sections: list[KindResults]


@dataclass(frozen=True)
class ResultChoices:
    kinds: list[tuple[str, str]]        # (kind, label), in the notice's order
    districts: list[tuple[str, str]]    # (region code, name) of the districts the units are in


def _district(region: Region | None, regions: dict[int, Region]) -> Region | None:
    while region is not None and region.level != Region.Level.DISTRICT:
        region = regions.get(region.parent_id)
    return region


def unit_districts(codes) -> dict[str, Region | None]:
    """Each unit's district (its region or the region's district above it); two queries."""
    regions = {r.id: r for r in Region.objects.all()}
    units = Unit.objects.filter(code__in=list(codes)).values_list("code", "region_id")
    return {code: _district(regions.get(region_id), regions) for code, region_id in units}


def unit_row(entry: UnitResult, *, district: str = "") -> UnitRow:
    base = {"code": entry.code, "name": entry.name, "kind": entry.kind, "district": district, "n": entry.n}
    if not entry.ranked:
        return UnitRow(suppressed=True, **base)
    shown = entry.published   # rounded as the grade was decided, as the PDF prints it
    satisfied = entry.satisfied.value if entry.satisfied else None
    return UnitRow(suppressed=False, rank=entry.rank, rank_low=entry.rank_low, rank_high=entry.rank_high,
                   score=document.fmt(shown.score), ci_low=document.fmt(shown.ci_low),
                   ci_high=document.fmt(shown.ci_high), satisfied=document.percent(satisfied),
                   grade=grade_label(entry), estimate=entry.score, **base)


def _kind_label(kind: str) -> str:
    return str(dict(Unit.Kind.choices).get(kind, kind))


def _sorted(rows: list[UnitRow], sort: str) -> list[UnitRow]:
    """Ranked units first (by rank, or by name), then those with too few ballots (by name)."""
    ranked = [r for r in rows if not r.suppressed]
    rest = sorted((r for r in rows if r.suppressed), key=lambda r: (r.name, r.code))
    key = (lambda r: (r.name, r.code)) if sort == "name" else (lambda r: (r.rank, r.code))
    return sorted(ranked, key=key) + rest


def notice_results(notice: Notice, *, kind: str = "", district: str = "", sort: str = "score") -> NoticeResults:
    """The notice's units per kind (in the notice's order of kinds), filtered to one kind and/or one
    district (a region code), sorted by score (the rank) or by name; each kind's forest plot drawn
    from the rows shown."""
    result = notice.run.outcome
    entries = {e.code: e for e in result.units}
    districts = unit_districts(entries)
    by_kind: dict[str, list[UnitRow]] = {}
    for e in entries.values():
        region = districts.get(e.code)
        by_kind.setdefault(e.kind, []).append(unit_row(e, district=region.name if region else ""))
    sections = []
    for k in _kind_order(by_kind):
        if kind and k != kind:
            continue
        rows = [r for r in by_kind[k] if not district or (districts.get(r.code) and districts[r.code].code == district)]
        section = KindResults(kind=k, label=_kind_label(k), rows=_sorted(rows, sort),
                              ranked=result.ranked_of(k))
        forest = [ForestRow(r.name, r.estimate, entries[r.code].ci_low, entries[r.code].ci_high, r.rank_low,
                            r.rank_high) for r in section.rows if not r.suppressed]
        if forest:
            section.svg = forest_svg(forest, title=_("%(kind)s: scores and confidence intervals") % {"kind": section.label},
                                     axis_label=_("Score (0–100)"))
        sections.append(section)
    return NoticeResults(level=round(100 * result.level), sections=sections)


def _kind_order(kinds) -> list[str]:
    return sorted(kinds, key=lambda k: (kind_position(k), k))


def notice_result_choices(notice: Notice) -> ResultChoices:
    """What the notice's results can be filtered by: its units' kinds and districts."""
    entries = notice.run.outcome.units
    districts = {r.code: r.name for r in unit_districts(e.code for e in entries).values() if r is not None}
    return ResultChoices(kinds=[(k, _kind_label(k)) for k in _kind_order({e.kind for e in entries})],
                         districts=sorted(districts.items()))


# --- A unit across campaigns ------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    """One campaign of a unit's history (the shape `templates/includes/unit_history.html` reads)."""

    campaign: Campaign
    href: str            # where the campaign's results are
    entry: UnitResult    # the unit's entry in the run's result
    ranked_of: int       # ranked units of its kind in that run
    level: int           # the confidence level in %


def notices_latest_per_campaign():
    """Each campaign's latest published notice (the 通报 once out, else the 公示): its results stand."""
    latest = Notice.objects.values("campaign").annotate(last=Max("sequence")).values("last")
    return Notice.objects.filter(sequence__in=latest).select_related("campaign", "run")


def unit_history(unit: Unit) -> list[HistoryRow]:
    """The unit's published results, oldest campaign first: one row per campaign whose latest
    notice lists the unit."""
    rows = []
    for notice in sorted(notices_latest_per_campaign(), key=lambda n: (n.campaign.year, n.campaign.slug)):
        result = notice.run.outcome
        entry = result.unit(unit.code)
        if entry is not None:
            rows.append(HistoryRow(campaign=notice.campaign, href=reverse("publicity:results", args=[notice.pk]),
                                   entry=entry, ranked_of=result.ranked_of(entry.kind), level=round(100 * result.level)))
    return rows


def unit_history_svg(history: list[HistoryRow], unit: Unit) -> str:
    """The trend of the unit's published scores, server-drawn."""
    return trend_svg(entry_points([(str(h.campaign.year), h.entry) for h in history]),
                     title=_("%(unit)s: published scores by campaign") % {"unit": unit.name},
                     axis_label=_("Score (0–100), with its confidence interval"))


def unit_objections(*, campaign: Campaign, unit: Unit) -> QuerySet[Objection]:
    """Objections filed about `unit` on the campaign's notices, oldest first (never the objector's contact:
    the template shows text, dates, status and reply)."""
    return Objection.objects.filter(notice__campaign=campaign, unit=unit).order_by("received_at", "id")
