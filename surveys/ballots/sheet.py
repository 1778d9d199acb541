"""The sheet: the questionnaire as one evaluator group sees it, loaded once and kept a minute.

Every channel checks a ballot against a sheet (`validation`), so the sheet holds the lookups the
checks and the writes need, built once per group instead of once per ballot: questions by key and
id, options by value, the slots an answer may go to, scores and weights as floats. A residence
group's sheet narrows to the units of where the person lives (`sheet_for_residence`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..commitments import grade_scale, sheet_commitments
from ..models import Campaign, EvaluatorGroup, Option, Question, Region, Unit
from .errors import BallotError, BallotInvalid

RESIDENCE = "residence"   # where a resident lives (a community's region code): form field, API key, paper column


# Sheets of open campaigns, per process: {group id: (loaded at, sheet)}.
_SHEETS: dict[int, tuple[float, BallotSheet]] = {}
SHEET_CACHE_SECONDS = 60


def cached_ballot_sheet(group_id: int) -> BallotSheet:
    """The sheet of a group, kept for a minute in this process while its campaign is open.

    Loading a sheet costs more than validating and storing a ballot. While a campaign is open
    its questionnaire is frozen and its groups are fixed, so a sheet can only change when a
    unit is renamed or switched off: signals drop this process's copy at once, other
    processes within a minute. The campaign's status is never taken from here.
    """
    now = time.monotonic()
    cached = _SHEETS.get(group_id)
    if cached and now - cached[0] < SHEET_CACHE_SECONDS:
        return cached[1]
    sheet = ballot_sheet(EvaluatorGroup.objects.select_related("campaign__questionnaire").get(pk=group_id))
    if sheet.campaign.status == Campaign.Status.OPEN:
        _SHEETS[group_id] = (now, sheet)
    return sheet


def clear_sheet_cache(**signal_kwargs) -> None:
    _SHEETS.clear()


def ballot_sheet(group: EvaluatorGroup) -> BallotSheet:
    """Load what a ballot of `group` may contain (three queries; four for a residence group)."""
    questions = list(group.campaign.questionnaire.questions.prefetch_related("options").order_by("order", "id"))
    units = list(group.units.filter(active=True).order_by("code"))
    options = {q.key: {o.value: o for o in q.options.all()} for q in questions}
    places = residence_places(units) if group.unit_scope == EvaluatorGroup.UnitScope.RESIDENCE else {}
    return BallotSheet(campaign=group.campaign, group=group, questions=questions, units=units, options=options,
                       places=places, commitments=sheet_commitments(group))


def sheet_for_residence(sheet: BallotSheet, residence) -> BallotSheet:
    """The sheet a ballot of someone living in `residence` is checked against, on every channel: a
    residence group's sheet narrowed to their units; other groups' sheets as they are. Without a
    residence, a residence group's ballot is refused by `validate_answers`; an unknown one here."""
    if not sheet.by_residence or residence is None or residence == "":
        return sheet
    scoped = sheet.for_residence(residence)
    if scoped is None:
        raise BallotInvalid([BallotError(RESIDENCE, None, _("“%(place)s” is not a community whose units this group "
                                                            "rates.") % {"place": residence})])
    return scoped


def residence_places(units: list[Unit]) -> dict[str, Place]:
    """The communities a residence group's units serve, each with the units of a person living there.

    A unit is rated by the people living at or below its region: a community's residents rate
    their community and their street's office (and district units, if any); units with no region
    or the city's are rated by everybody. The communities are those at or below the street and
    community units' regions.
    """
    regions = {r.id: r for r in Region.objects.only("id", "code", "name", "level", "parent_id")}

    def path(region: Region) -> list[Region]:
        chain = [region]
        while chain[-1].parent_id in regions and regions[chain[-1].parent_id] not in chain:   # a cycle stops it
            chain.append(regions[chain[-1].parent_id])
        return chain[::-1]

    local = {u.region_id for u in units if u.region_id is not None
             and regions[u.region_id].level in (Region.Level.STREET, Region.Level.COMMUNITY)}
    places = {}
    for region in sorted(regions.values(), key=lambda r: r.code):
        if region.level != Region.Level.COMMUNITY:
            continue
        chain = path(region)
        above = {r.id for r in chain}
        if not above & local:
            continue
        places[region.code] = Place(region.code, region.name, chain,
                                    [u.code for u in units if u.region_id is None or u.region_id in above])
    return places


@dataclass
class Place:
    """Where a resident may live: a community of the region tree, with the path down to it."""

    code: str
    name: str
    path: list[Region]          # from the top of the tree down to the community itself
    unit_codes: list[str]       # the group's units for people living here

    @property
    def label(self) -> str:
        return " · ".join(region.name for region in self.path if region.level != Region.Level.CITY)


@dataclass
class BallotSheet:
    campaign: Campaign
    group: EvaluatorGroup
    questions: list[Question]
    units: list[Unit]
    options: dict[str, dict[str, Option]] = field(default_factory=dict)   # question key → value → option
    places: dict[str, Place] = field(default_factory=dict)   # community code → place ("residence" groups)
    residence: Place | None = None                            # set on a sheet narrowed by `for_residence`
    group_units: dict[str, Unit] | None = None                # all the group's units when narrowed
    commitments: dict = field(default_factory=dict)           # unit code → approved commitments (surveys.commitments)

    def __post_init__(self):
        self.by_key = {q.key: q for q in self.questions}
        self.by_id = {q.id: q for q in self.questions}
        self.weights = {q.id: float(q.weight) for q in self.questions}  # Decimal → float once, not per answer
        self.option_scores = {o.id: float(o.score) for by_value in self.options.values() for o in by_value.values()
                              if o.score is not None}
        # "Don't know" options (grade options without a score): an answer, never a vote.
        self.dont_know = frozenset(o.id for q in self.questions if q.kind == Question.Kind.GRADE
                                   for o in self.options.get(q.key, {}).values() if o.score is None)
        self.units_by_code = {u.code: u for u in self.units}
        if self.group_units is None:
            self.group_units = self.units_by_code
        self.profile_questions = [q for q in self.questions if not q.per_unit]
        self.unit_questions = [q for q in self.questions if q.per_unit]
        # Where an answer may go: (question key, unit code or None) → (question, unit id or None).
        self.slots = {(q.key, u.code): (q, u.id) for q in self.unit_questions for u in self.units}
        self.slots.update({(q.key, None): (q, None) for q in self.profile_questions})
        self.design_keys = self.group.design_keys()  # frozen with the group once the campaign opens
        self.commitment_scale = grade_scale(self.questions)   # the options a commitment is rated with
        self.implied = self._implied_profile()
        self._narrowed: dict[str, BallotSheet] = {}

    @property
    def by_residence(self) -> bool:
        return self.group.unit_scope == EvaluatorGroup.UnitScope.RESIDENCE

    @property
    def needs_residence(self) -> bool:
        """A residence group's ballot before the person has said where they live."""
        return self.by_residence and self.residence is None

    def for_residence(self, code: str | None) -> BallotSheet | None:
        """This sheet narrowed to the units of a person living in community `code`; None when the
        group does not rate that community (or `code` is none). Kept with the sheet: a city has
        a few hundred communities, and a narrowed sheet is small."""
        place = self.places.get(code) if isinstance(code, str) else None
        if place is None:
            return None
        if code not in self._narrowed:
            scoped = set(place.unit_codes)
            self._narrowed[code] = BallotSheet(
                campaign=self.campaign, group=self.group, questions=self.questions,
                units=[u for u in self.units if u.code in scoped], options=self.options,
                places=self.places, residence=place, group_units=self.units_by_code, commitments=self.commitments)
        return self._narrowed[code]

    def _implied_profile(self) -> dict[str, Option]:
        """Profile answers that where the person lives already gives: a single-choice profile
        question whose option values are region codes (the standard questionnaire's district)."""
        if self.residence is None:
            return {}
        codes = {region.code for region in self.residence.path}
        implied = {}
        for question in self.profile_questions:
            if question.kind == Question.Kind.CHOICE:
                matching = [o for value, o in self.options[question.key].items() if value in codes]
                if len(matching) == 1:
                    implied[question.key] = matching[0]
        return implied
