"""Reads of the staff dashboard: turnout while a campaign runs.

Counts only, each one GROUP BY (DESIGN.md §4): ballots already written out (`Ballot`) and those
cast but not yet settled (`PendingBallot`) both count as responses; the per-unit counts come from
the settled ballots' score rows, the table scoring reads, counted only up to the minimum.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform

from surveys.ballots.sql import table_name
from surveys.models import (
    Ballot,
    BallotUnitScore,
    Campaign,
    CensusMargin,
    EvaluatorGroup,
    Option,
    PendingBallot,
    Unit,
)
from surveys.selectors import invitation_turnout

# The chart shows at most this many days (the latest ones); the table beside it has them all.
CHART_DAYS = 92
# Units below the minimum listed by name; beyond this the page gives their number only.
SHORT_UNITS_LISTED = 200


def _rate(numerator: int | None, denominator: int | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


@dataclass(frozen=True)
class GroupTurnout:
    group: EvaluatorGroup
    ballots: int                # settled and pending
    issued: int | None          # None: an open-link group has no invitations
    used: int | None

    @property
    def population(self) -> int | None:
        return self.group.population_size

    @property
    def response_rate(self) -> float | None:
        """Ballots per person of the group; without a known population, codes used per code issued."""
        if self.population:
            return _rate(self.ballots, self.population)
        return _rate(self.used, self.issued)


@dataclass(frozen=True)
class LevelTurnout:
    value: str
    label: str
    ballots: int
    population: int | None

    @property
    def response_rate(self) -> float | None:
        return _rate(self.ballots, self.population)


@dataclass(frozen=True)
class GroupBreakdown:
    """A weighted group's ballots by the levels of one of its design variables (the district)."""
    group: EvaluatorGroup
    variable: str
    variable_label: str
    levels: list[LevelTurnout]


@dataclass(frozen=True)
class ShortUnit:
    group: EvaluatorGroup
    unit: Unit
    n: int
    minimum: int

    @property
    def needed(self) -> int:
        return self.minimum - self.n


@dataclass
class Dashboard:
    campaign: Campaign
    groups: list[GroupTurnout]
    breakdowns: list[GroupBreakdown]
    channels: list[tuple[str, str]]                 # (value, label) of the channels with ballots
    by_channel: dict[int, dict[str, int]]           # group id → channel → ballots
    days: list[tuple[dt.date, int]]                 # consecutive, zeros included
    pending: int
    short_units: list[ShortUnit] = field(default_factory=list)
    short_units_more: int = 0

    @property
    def ballots(self) -> int:
        return sum(g.ballots for g in self.groups)

    @property
    def chart_days(self) -> list[tuple[dt.date, int]]:
        return self.days[-CHART_DAYS:]

    def channel_rows(self) -> list[tuple[GroupTurnout, list[int]]]:
        return [(g, [self.by_channel.get(g.group.pk, {}).get(value, 0) for value, _ in self.channels])
                for g in self.groups]

    def channel_totals(self) -> list[int]:
        return [sum(self.by_channel.get(g.group.pk, {}).get(value, 0) for g in self.groups)
                for value, _ in self.channels]


def _counts(campaign: Campaign, *fields) -> Counter:
    """Ballots, settled and pending, grouped by `fields` (one GROUP BY on each table)."""
    counts: Counter = Counter()
    for model in (Ballot, PendingBallot):
        rows = (model.objects.filter(campaign=campaign).order_by().values_list(*fields)
                .annotate(n=Count("pk")))
        for *key, n in rows:
            counts[tuple(key) if len(key) > 1 else key[0]] += n
    return counts


def _level_counts(group: EvaluatorGroup, variable: str) -> Counter:
    counts: Counter = Counter()
    for model in (Ballot, PendingBallot):
        rows = (model.objects.filter(group=group).order_by().annotate(level=KeyTextTransform(variable, "profile"))
                .values_list("level").annotate(n=Count("pk")))
        for level, n in rows:
            counts[level] += n
    return counts


def breakdown_variable(group: EvaluatorGroup) -> str | None:
    """The design variable a weighted group's turnout is broken down by: the district when the
    design uses it, else its first variable (strata before cells). None for an unweighted group."""
    keys = group.design_keys()
    return "district" if "district" in keys else (keys[0] if keys else None)


def _breakdown(group: EvaluatorGroup, variable: str, margins: dict[tuple[str, str], int]) -> GroupBreakdown:
    question = group.campaign.questionnaire.questions.filter(key=variable).first()
    options = list(Option.objects.filter(question=question).order_by("order", "id").values_list("value", "label")) \
        if question else []
    counts = _level_counts(group, variable)
    known = {value for value, _ in options}
    levels = [LevelTurnout(value, label, counts.get(value, 0), margins.get((variable, value)))
              for value, label in options]
    # Answers outside the options (none should exist) and ballots without the answer still count.
    levels += [LevelTurnout(value or "", value or "—", n, None) for value, n in sorted(counts.items(), key=str)
               if value not in known]
    return GroupBreakdown(group=group, variable=variable, variable_label=question.text if question else variable,
                          levels=levels)


def _days(campaign: Campaign) -> list[tuple[dt.date, int]]:
    counts = _counts(campaign, "received_on")
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


def units_below_minimum(campaign: Campaign) -> tuple[list[ShortUnit], int]:
    """(Rated units with fewer settled ballots than the campaign's minimum in some group, listed up to
    SHORT_UNITS_LISTED; how many more there are). Fewest ballots first."""
    groups = list(campaign.groups.prefetch_related("units"))
    counts = capped_unit_counts(campaign, campaign.min_ballots)
    short = [ShortUnit(group, unit, counts.get((group.pk, unit.pk), 0), campaign.min_ballots)
             for group in groups for unit in group.units.all()
             if counts.get((group.pk, unit.pk), 0) < campaign.min_ballots]
    short.sort(key=lambda s: (s.n, s.group.order, s.unit.code))
    return short[:SHORT_UNITS_LISTED], max(len(short) - SHORT_UNITS_LISTED, 0)


def capped_unit_counts(campaign: Campaign, cap: int) -> dict[tuple[int, int], int]:
    """(group id, unit id) → the settled ballots rating the unit in that group, counted up to `cap`.

    Whether a unit has reached the minimum needs no more: each count reads at most `cap` entries of
    the score rows' (group, unit) index, where counting them all would read every score row of the
    campaign (40 million for a million delegates' ballots) on each refresh of the dashboard."""
    sql = (f"SELECT gu.evaluatorgroup_id, gu.unit_id, (SELECT COUNT(*) FROM (SELECT 1 FROM {table_name(BallotUnitScore)} s "
           f"WHERE s.group_id = gu.evaluatorgroup_id AND s.unit_id = gu.unit_id LIMIT %s) capped) "
           f"FROM {table_name(EvaluatorGroup.units.through)} gu JOIN {table_name(EvaluatorGroup)} g "
           f"ON g.id = gu.evaluatorgroup_id WHERE g.campaign_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [cap, campaign.pk])
        return {(group_id, unit_id): n for group_id, unit_id, n in cursor.fetchall()}


def campaign_dashboard(campaign: Campaign) -> Dashboard:
    groups = list(campaign.groups.select_related("campaign__questionnaire").order_by("order", "id"))
    ballots = _counts(campaign, "group_id")
    turnout = []
    for group in groups:
        used, issued = (invitation_turnout(group=group) if group.access == EvaluatorGroup.Access.INVITATION
                        else (None, None))
        turnout.append(GroupTurnout(group=group, ballots=ballots.get(group.pk, 0), issued=issued, used=used))
    margins = {(v, level): n for v, level, n in
               CensusMargin.objects.filter(campaign=campaign).values_list("variable", "level", "population")}
    breakdowns = [_breakdown(group, variable, margins) for group in groups
                  if (variable := breakdown_variable(group)) is not None]
    by_channel: dict[int, dict[str, int]] = {}
    for (group_id, channel), n in _counts(campaign, "group_id", "channel").items():
        by_channel.setdefault(group_id, {})[channel] = n
    used_channels = {channel for per_group in by_channel.values() for channel in per_group}
    channels = [(value, str(label)) for value, label in Ballot.Channel.choices if value in used_channels]
    short, more = units_below_minimum(campaign)
    return Dashboard(campaign=campaign, groups=turnout, breakdowns=breakdowns, channels=channels,
                     by_channel=by_channel, days=_days(campaign),
                     pending=PendingBallot.objects.filter(campaign=campaign).count(),
                     short_units=short, short_units_more=more)


def campaigns_overview() -> list[Campaign]:
    """Every campaign for the staff start page, newest first, with its notices."""
    return list(Campaign.objects.order_by("-year", "-created_at", "slug").prefetch_related("notices"))
