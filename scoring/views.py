"""Results pages: staff see whole campaigns, unit contacts only their own units.

Thin views: reads come from `scoring.selectors`, the one write from `scoring.services`.
Every view checks permissions itself (anonymous → login, others → 403).
"""
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.models import Campaign, Unit
from surveys.roles import is_evaluation_staff, require_evaluation_staff

from . import selectors
from .forest import ForestRow, forest_svg
from .jobs import score_campaign_start
from .results import GroupScore, UnitResult
from .stats import suppress_cells, trend_test
from .trend_chart import entry_points, trend_svg


@login_required
def results_index(request):
    if is_evaluation_staff(request.user):
        campaigns = Campaign.objects.exclude(status=Campaign.Status.DRAFT).order_by("-year", "slug")
        return render(request, "scoring/index.html", {"campaigns": campaigns})
    unit_ids = selectors.contact_unit_ids(request.user)
    if not unit_ids:
        raise PermissionDenied
    units = Unit.objects.filter(id__in=unit_ids).order_by("code")
    return render(request, "scoring/index.html",
                  {"contact_units": units, "campaigns": selectors.campaigns_for_contact(unit_ids)})


def _run_for(request, campaign):
    """Staff: the run asked for (`?run=N`), else the latest."""
    number = request.GET.get("run")
    if number:
        if not number.isdigit():
            raise Http404
        run = selectors.run_get(campaign=campaign, number=int(number))
        if run is None:
            raise Http404
        return run
    return selectors.run_latest(campaign=campaign)


def _kind_sections(run) -> list[dict]:
    labels = dict(Unit.Kind.choices)
    sections = []
    for kind, units in run.outcome.units_by_kind():
        label = labels.get(kind, kind)
        rows = [ForestRow(u.name, u.score, u.ci_low, u.ci_high, u.rank_low, u.rank_high)
                for u in units if not u.suppressed and u.score is not None]
        sections.append({"kind": kind, "label": label, "units": units,
                         "svg": forest_svg(rows, title=str(label), axis_label=_("Score (0–100)"))})
    return sections


@login_required
def campaign_results(request, slug):
    require_evaluation_staff(request.user)
    campaign = get_object_or_404(Campaign, slug=slug)
    run = _run_for(request, campaign)
    context = {"campaign": campaign, "run": run, "runs": campaign.score_runs.order_by("-number"),
               "sections": _kind_sections(run) if run else [],
               "group_names": dict(campaign.groups.values_list("key", "name")),
               "can_score": campaign.status in (Campaign.Status.OPEN, Campaign.Status.CLOSED,
                                                Campaign.Status.SCORED)}
    return render(request, "scoring/campaign.html", context)


@login_required
@require_POST
def campaign_score(request, slug):
    """Scoring a large campaign takes a while: it runs as a background job, whose page follows it."""
    require_evaluation_staff(request.user)
    campaign = get_object_or_404(Campaign, slug=slug)
    job = score_campaign_start(campaign=campaign, actor=request.user)
    return redirect("jobs:detail", pk=job.pk)


@login_required
def unit_results(request, slug, code):
    campaign = get_object_or_404(Campaign, slug=slug)
    unit = get_object_or_404(Unit, code=code)
    if not selectors.can_see_unit(request.user, unit):
        raise PermissionDenied
    staff = is_evaluation_staff(request.user)
    # Contacts see the published run (or, if the campaign allows, the final one once scored).
    run = _run_for(request, campaign) if staff else selectors.run_for_contacts(campaign=campaign)
    entry = run.outcome.unit(unit.code) if run else None
    if run is not None and entry is None:
        raise Http404
    previous = selectors.unit_previous_score(campaign=campaign, unit=unit)
    names = dict(campaign.groups.values_list("key", "name"))
    minimum = run.parameters.get("min_ballots", campaign.min_ballots) if run else campaign.min_ballots
    history = _history(unit)
    context = {
        "campaign": campaign, "unit": unit, "run": run, "entry": entry, "staff": staff, "minimum": minimum,
        "groups": _group_rows(entry, names, minimum) if entry else [],
        "level": round(100 * run.outcome.level) if run else None,
        "dimensions": _dimension_rows(campaign, unit, minimum) if run else [],
        "comments": selectors.unit_comments(campaign=campaign, unit=unit) if run else [],
        "previous": _trend(entry, previous, run.outcome.level) if run else None,
        "history": history,
        "history_svg": trend_svg(entry_points([(str(h["campaign"].year), h["entry"]) for h in history]),
                                 title=_("%(unit)s: scores by campaign") % {"unit": unit.name},
                                 axis_label=_("Score (0–100), with its confidence interval")),
    }
    return render(request, "scoring/unit.html", context)


@dataclass(frozen=True)
class GroupRow:
    """A group's score for the unit as the page shows it: named, or hidden (too few ballots)."""

    group: GroupScore
    name: str
    hidden: bool


def _group_rows(entry: UnitResult, names: dict, minimum: int) -> list[GroupRow]:
    """The unit's groups, a group with too few ballots hidden (primary suppression) — and, as the
    page shows the unit's total and composite score, the smallest other group too (secondary), so
    that neither the total minus the shown counts nor the composite minus the shown scores give the
    hidden one away."""
    hidden = suppress_cells([[g.n for g in entry.groups]], minimum, totals_shown=True)[0]
    return [GroupRow(group=g, name=names.get(g.key, g.key), hidden=bool(h))
            for g, h in zip(entry.groups, hidden, strict=True)]


def _dimension_rows(campaign, unit, minimum: int) -> list[dict]:
    """Dimension means, one with fewer answers than the minimum hidden. Each question's answers are
    a separate count (not parts of one total the page shows), so hiding one reveals nothing about
    another: primary suppression suffices here."""
    rows = selectors.unit_dimension_means(campaign=campaign, unit=unit)
    hidden = suppress_cells([[d["n"] for d in rows]], minimum, totals_shown=False)[0] if rows else []
    return [{**d, "hidden": bool(h)} for d, h in zip(rows, hidden, strict=True)]


def _history(unit) -> list[dict]:
    """The unit's results in every campaign its contacts may see, oldest first (the trend)."""
    return [{"campaign": campaign, "entry": entry, "level": round(100 * run.outcome.level),
             "ranked_of": run.outcome.ranked_of(entry.kind),
             "href": reverse("scoring:unit", args=[campaign.slug, unit.code])}
            for campaign, run, entry in selectors.unit_entries_for_contacts(unit=unit)]


def _trend(entry: UnitResult | None, previous, level: float) -> dict | None:
    """This campaign's composite against the previous campaign's: the difference, and its interval
    at this campaign's level when both SEs are known (independent samples, so the variances add)."""
    if entry is None or entry.score is None or previous is None:
        return None
    campaign, score = previous
    if score.estimate is None:
        return None
    return {"campaign": campaign, "score": score, "test": trend_test(entry.score, entry.se, score.estimate,
                                                                     score.se, level=level),
            "level": round(100 * level)}
