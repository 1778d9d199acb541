"""Casting a ballot: the questionnaire as one group sees it, validation, and the atomic write.

The ballot page, the ballot API and the paper import all go through `validate_answers` and
`ballot_cast`, so a rule holds on every channel or on none.
"""
import contextlib
import json
import logging
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .bulk import insert_parts, insert_rows
from .codes import InvalidCode, hash_code, normalize_code
from .commitments import grade_scale, sheet_commitments, split_answers
from .models import (
    Answer,
    Ballot,
    BallotUnitScore,
    Campaign,
    EvaluatorGroup,
    Invitation,
    Option,
    PendingBallot,
    Question,
    Region,
    SpentTag,
    Unit,
    WeightingCell,
)
from .scores import scale_score, weighted_unit_score

logger = logging.getLogger(__name__)

# --- What the caller gets back ---------------------------------------------------------------

class AnswerIn(NamedTuple):
    """One answer as submitted: a question key, a unit code (per-unit questions) and a value.

    A named tuple: a ballot has hundreds of answers, and a frozen dataclass
    costs several times more to build.
    """

    question: str
    unit: str | None
    value: object


@dataclass(frozen=True)
class BallotError:
    question: str | None
    unit: str | None
    message: str

    def as_dict(self) -> dict:
        return {"question": _printable(self.question), "unit": _printable(self.unit), "message": _printable(self.message)}


def _printable(text):
    """Text as it can go out in UTF-8: a JSON body may carry unpaired surrogates (\\ud800), which an
    error message echoes back; they are shown escaped instead of failing the response."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) else text


class BallotInvalid(Exception):
    def __init__(self, errors: list[BallotError]):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class InvitationNotFound(Exception):
    """Unknown or malformed code: deliberately one error for both."""


class InvitationUsed(Exception):
    pass


class CampaignNotOpen(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# --- The questionnaire as one group sees it ---------------------------------------------------

RESIDENCE = "residence"   # where a resident lives (a community's region code): form field, API key, paper column

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

    def for_residence(self, code: str | None) -> "BallotSheet | None":
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


# --- Weighting cells --------------------------------------------------------------------------

# ASCII "unit separator": a control character, never part of an option value (short labels/slugs).
# Cheaper to store, hash and group by than JSON text ("D1\x1f60+\x1fF" is 8 bytes, the JSON
# array 16), which matters at tens of millions of score rows.
CELL_SEPARATOR = "\x1f"


def cell_key(design_keys: list[str], profile: dict) -> str:
    """A ballot's weighting cell in its group: its profile answers to the group's design keys, in
    order, joined by CELL_SEPARATOR; an unanswered key is an empty part; no design keys: "".

    Every score row points at its cell (`BallotUnitScore.cell`, a WeightingCell with this key:
    `cell_ids`), written by BallotBatch and the demo seeder; `cell_levels` reads the key back.
    """
    return CELL_SEPARATOR.join("" if profile.get(key) is None else str(profile[key]) for key in design_keys)


def cell_ids(group_id: int, keys) -> dict[str, int]:
    """The ids of a group's weighting cells by key, creating the ones not seen before (caller's
    transaction; two writers creating the same cell at once both end up with the one row)."""
    wanted = sorted(set(keys))   # one order for every writer: two never wait for each other's new cells
    if not wanted:
        return {}
    WeightingCell.objects.bulk_create([WeightingCell(group_id=group_id, key=key) for key in wanted],
                                      ignore_conflicts=True)
    return dict(WeightingCell.objects.filter(group_id=group_id, key__in=wanted).values_list("key", "id"))


def cell_levels(cell: str, width: int) -> tuple:
    """The levels of a stored cell key, None for an unanswered key: what `profile->>key` gives.

    A key that does not have `width` parts (the group's design changed after it was stored) comes
    back with its own number of parts, so it matches no cell of the current design.
    """
    parts = cell.split(CELL_SEPARATOR) if width or cell else []
    return tuple(part or None for part in parts)


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


def current_campaign(campaign_id: int) -> Campaign:
    """The campaign's status and period as they are now (never cached)."""
    return Campaign.objects.only("status", "opens_at", "closes_at").get(pk=campaign_id)


def campaign_closed_reason(campaign: Campaign, now=None) -> str | None:
    """Why ballots cannot be cast now, or None when they can (`_campaign_open_sql` in SQL)."""
    now = now or timezone.now()
    if campaign.status != Campaign.Status.OPEN:
        return _("This evaluation is not open (status: %(status)s).") % {"status": campaign.get_status_display()}
    if campaign.opens_at and now < campaign.opens_at:
        return _("This evaluation opens on %(date)s.") % {"date": f"{timezone.localtime(campaign.opens_at):%Y-%m-%d %H:%M}"}
    if campaign.closes_at and now >= campaign.closes_at:
        return _("This evaluation closed on %(date)s.") % {"date": f"{timezone.localtime(campaign.closes_at):%Y-%m-%d %H:%M}"}
    return None


def campaign_refusal(campaign_id: int, *, known_open: bool = False) -> str | None:
    """Why a campaign takes no ballots now, or None; `known_open` from a query that just said so."""
    return None if known_open else campaign_closed_reason(current_campaign(campaign_id))


# --- The hot path's queries --------------------------------------------------------------------
# Casting a ballot is the one request that comes in bursts of hundreds a second. Building an ORM
# query costs more than PostgreSQL takes to run it, so its queries are written in SQL here, each
# once; everything else goes through the ORM. On PostgreSQL a cast with an invitation makes two
# round trips: the code lookup, then one statement that inserts the code's spent tag and the
# ballot. Elsewhere that statement is a transaction of two INSERTs.

def _campaign_open_sql(alias: str) -> tuple[str, list]:
    """An SQL condition, true while campaign `alias` takes ballots: campaign_closed_reason is None."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return (f"({alias}.status = %s AND ({alias}.opens_at IS NULL OR {alias}.opens_at <= %s) "
            f"AND ({alias}.closes_at IS NULL OR {alias}.closes_at > %s))", [Campaign.Status.OPEN.value, now, now])


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- Spent tags: a code's use, recorded so that only the server's secret ties it to the code -----
# The invitation row is never written when its code is used: PostgreSQL would stamp it with the
# cast's transaction id (xmin), the id the ballot's pending row carries too. Instead the cast inserts
# a SpentTag, HMAC(SECRET_KEY, code), under a unique key in the ballot's statement. A database
# administrator sees tags, invitations (unkeyed SHA-256 hashes of the codes) and pending ballots,
# and can join tags to ballots, but not tags to invitations without both the codes and the secret.

SPENT_SALT = "minping.surveys.spent-tag"
RETRY_SALT = "minping.surveys.retry-tag"
RECEIPT_SALT = "minping.surveys.receipt"


def _keyed(salt: str, *parts: str, secret: str | None = None) -> bytes:
    return salted_hmac(salt, "\x1f".join(parts), secret=secret, algorithm="sha256").digest()


def spent_tags(code: str, code_hash: str) -> tuple[uuid.UUID, ...]:
    """The tags that mark the (normalized) `code` used: under SECRET_KEY first — the one a cast
    inserts — then under each of SECRET_KEY_FALLBACKS (a rotated key) and the tag of an invitation
    used before spent tags (`legacy_tag`). Any of them means used."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return (*(uuid.UUID(bytes=_keyed(SPENT_SALT, code, secret=key)[:16]) for key in keys), legacy_tag(code_hash))


def legacy_tag(code_hash: str) -> uuid.UUID:
    """The spent tag migration 0010 gave invitations used before spent tags existed."""
    return uuid.UUID(hex=code_hash[:32])


def _db_uuid(value: uuid.UUID):
    return value if connection.features.has_native_uuid_field else value.hex


class InvitationFound(NamedTuple):
    pk: int
    group_id: int
    used: bool
    campaign_open: bool   # when it was looked up
    code: str             # normalized; in memory only, for the keyed hashes
    tags: tuple           # spent_tags(code): the first is the one a cast inserts


def invitation_for_code(raw_code: str) -> InvitationFound:
    """The invitation a typed or scanned code belongs to; InvitationNotFound when there is none."""
    try:
        code = normalize_code(raw_code)
    except InvalidCode:
        raise InvitationNotFound from None
    code_hash = hash_code(code)
    tags = spent_tags(code, code_hash)
    is_open, params = _campaign_open_sql("c")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT i.id, i.group_id, EXISTS (SELECT 1 FROM {_table(SpentTag)} s "
                       f"WHERE s.tag IN ({', '.join(['%s'] * len(tags))})), {is_open} FROM {_table(Invitation)} i "
                       f"JOIN {_table(Campaign)} c ON c.id = i.campaign_id WHERE i.code_hash = %s",
                       [*map(_db_uuid, tags), *params, code_hash])
        row = cursor.fetchone()
    if row is None:
        raise InvitationNotFound
    return InvitationFound(row[0], row[1], bool(row[2]), bool(row[3]), code, tags)


def campaign_open_now(campaign_id: int) -> bool:
    is_open, params = _campaign_open_sql("c")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {is_open} FROM {_table(Campaign)} c WHERE c.id = %s", [*params, campaign_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def _spend_statement(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None) -> tuple[str, list]:
    """The INSERT of the code's spent tag if, and only if, no tag of the code exists and its
    campaign takes ballots now: one atomic conditional statement.

    Concurrent submissions with the same code all run it; the primary key lets exactly one of
    them insert (PostgreSQL makes the others wait for it and then do nothing; SQLite serialises
    writers), so exactly one ballot can follow. The earlier tags of the code (a rotated secret,
    a legacy tag) are checked, never inserted.
    """
    table = _table(SpentTag)
    tag, *earlier = invitation.tags
    is_open, params = _campaign_open_sql("c")
    return (f"INSERT INTO {table} (tag, group_id, retry_tag) SELECT %s, %s, %s "
            f"WHERE EXISTS (SELECT 1 FROM {_table(Campaign)} c WHERE c.id = %s AND {is_open}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.tag IN ({', '.join(['%s'] * len(earlier))})) "
            f"ON CONFLICT (tag) DO NOTHING",
            [_db_uuid(tag), invitation.group_id, None if retry_tag is None else _db_uuid(retry_tag),
             campaign_id, *params, *map(_db_uuid, earlier)])


def _spend(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None) -> bool:
    """Run the spending INSERT (caller's transaction): was the code spent now?"""
    sql, params = _spend_statement(invitation, campaign_id, retry_tag)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _spend_and_insert(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None,
                      table: str, columns: str, values: tuple) -> bool:
    """PostgreSQL: spend the code and insert the row in one statement, the pending ballot's INSERT
    taking its one row from the spent tag's (a data-modifying WITH). A statement is atomic on its
    own, so no transaction is opened around it: one round trip instead of four (BEGIN, INSERT,
    INSERT, COMMIT). Was the code spent (and the row inserted)?"""
    spend, params = _spend_statement(invitation, campaign_id, retry_tag)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH spent AS ({spend} RETURNING 1) "
                       f"INSERT INTO {table} ({columns}) SELECT {placeholders} FROM spent", [*params, *values])
        return cursor.rowcount == 1


# --- Validation ------------------------------------------------------------------------------

class CleanBallot(NamedTuple):
    """A validated ballot: its answers packed by ids, and its profile (the weighting cells).

    A packed answer is [question id, unit id or None, option id or None, number, text, choices],
    where trailing defaults may be left out (an option answer is just its three ids): the form
    PendingBallot stores and BallotBatch writes out (`unpacked`). Ids, not keys: the questionnaire
    is frozen while ballots come in.
    """

    answers: list[list]
    profile: dict


PACKED_DEFAULTS = (None, "", None, None)   # number, text, choices, commitment: question, unit, option always there


def packed_text(answers: list[list]) -> str:
    """Packed answers as PendingBallot stores them: compact JSON text (`json.loads` reads them back)."""
    return json.dumps(answers, separators=(",", ":"), ensure_ascii=False)   # Chinese text as is: half the size


def unpacked(answer: list) -> tuple:
    """A packed answer with its left-out trailing fields: (question, unit, option, number, text, choices,
    commitment)."""
    return (*answer, *PACKED_DEFAULTS[len(answer) - 3:])


OPTION_KINDS = frozenset({Question.Kind.GRADE.value, Question.Kind.CHOICE.value})


def validate_answers(sheet: BallotSheet, answers: list[AnswerIn]) -> CleanBallot:
    """Check a whole ballot; raise BallotInvalid listing every problem, or return it clean.

    A ballot must rate at least one unit, and for every unit it rates (gives any answer for)
    it must answer the required per-unit questions; required profile questions always.
    The loop is written for ballots of hundreds of answers: one dictionary lookup places an
    answer, and the common kinds (grades, choices) are checked and packed inline.
    """
    if sheet.needs_residence:
        raise BallotInvalid([BallotError(RESIDENCE, None, _("Say where you live first: the ballot shows the "
                                                            "units there."))])
    answers, commitment_answers, errors = split_answers(sheet, answers)   # 兑现情况: surveys.commitments
    packed: list[list] = []
    profile: dict[str, str] = {}
    seen: set[tuple[str, str | None]] = set()
    given: set[tuple[str, str | None]] = set()
    dont_know: set[tuple[str, str | None]] = set()   # answered "don't know": given, but not a vote
    slots, options, unscored = sheet.slots, sheet.options, sheet.dont_know
    for answer in answers:
        key = (answer.question, answer.unit or None)
        try:
            slot = slots.get(key)
        except TypeError:   # an unhashable key: only from a caller that skipped the shape checks
            slot = None
        if slot is None:
            errors.append(BallotError(answer.question, answer.unit, _misplaced(sheet, answer)))
            continue
        if key in seen:
            errors.append(BallotError(answer.question, answer.unit, _("Answered more than once.")))
            continue
        seen.add(key)
        question, unit_id = slot
        value = answer.value
        if not _is_blank(value):
            given.add(key)
        if question.kind in OPTION_KINDS:
            option = options[question.key].get(value) if isinstance(value, str) else None
            if option is None:
                errors.append(BallotError(answer.question, answer.unit,
                                          _("“%(value)s” is not one of the options.") % {"value": value}))
                continue
            packed.append([question.id, unit_id, option.id])
            if unit_id is None and question.kind == Question.Kind.CHOICE:
                profile[question.key] = option.value
            elif option.id in unscored:
                dont_know.add(key)
            continue
        fields, problem = _other_value(sheet, question, value)
        if problem:
            errors.append(BallotError(answer.question, answer.unit, problem))
        else:
            packed.append([question.id, unit_id, None, *fields])
    errors += _implied_answers(sheet, profile, packed, given)
    errors += _missing_required(sheet, given, dont_know)
    if errors:
        raise BallotInvalid(errors)
    return CleanBallot(packed + commitment_answers, profile)


def _misplaced(sheet: BallotSheet, answer: AnswerIn) -> str:
    """Why an answer has no place on this group's ballot."""
    question = sheet.by_key.get(answer.question) if isinstance(answer.question, str) else None
    if question is None:
        return _("Unknown question “%(key)s”.") % {"key": answer.question}
    if question.per_unit and not answer.unit:
        return _("This question is asked per unit: name the unit.")
    if not question.per_unit:
        return _("This question is asked once per ballot, not per unit.")
    unit = sheet.group_units.get(answer.unit) if isinstance(answer.unit, str) else None
    if unit is not None and sheet.residence is not None:
        return (_("“%(unit)s” is not among the units for where you live (%(place)s).")
                % {"unit": unit.name, "place": sheet.residence.label})
    return _("Unit “%(unit)s” is not rated by this group.") % {"unit": answer.unit}


def _implied_answers(sheet: BallotSheet, profile: dict, packed: list[list], given: set) -> list[BallotError]:
    """Fill in the profile answers where the person lives gives (their district), or refuse one
    that contradicts it: the residence is no new information, it is the weighting's own answer."""
    errors = []
    for key, option in sheet.implied.items():
        answered = profile.get(key)
        if answered is None:
            packed.append([sheet.by_key[key].id, None, option.id])
            profile[key] = option.value
            given.add((key, None))
        elif answered != option.value:
            errors.append(BallotError(key, None, _("This does not match where you live (%(place)s).")
                                      % {"place": sheet.residence.label}))
    return errors


def _other_value(sheet: BallotSheet, question: Question, value) -> tuple[list, str]:
    """A scale, multiple-choice or text answer: ([number, text, choices] as packed, "") or ([], what is wrong)."""
    kind = question.kind
    if kind == Question.Kind.SCALE:
        number = _as_number(value)
        if number is None:
            return [], _("Enter a number.")
        if not question.min_value <= number <= question.max_value:
            return [], _("Enter a number from %(min)d to %(max)d.") % {"min": question.min_value, "max": question.max_value}
        return [number], ""
    if kind == Question.Kind.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [], _("Give a list of option values.")
        unknown = [v for v in value if v not in sheet.options[question.key]]
        if unknown:
            return [], _("“%(value)s” is not one of the options.") % {"value": ", ".join(unknown)}
        if len(set(value)) != len(value):
            return [], _("An option is chosen more than once.")
        return [None, "", list(value)], ""
    if not isinstance(value, str):
        return [], _("Give a text.")
    if not _storable(value):
        return [], _("The text contains characters that cannot be stored (a NUL character or an unpaired surrogate).")
    text = value.strip()
    if len(text) > question.max_length:
        return [], _("At most %(max)d characters (this has %(n)d).") % {"max": question.max_length, "n": len(text)}
    return [None, text], ""


def _storable(text: str) -> bool:
    """Can PostgreSQL store this text? Not with NUL characters, nor with unpaired surrogates (no UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _is_blank(value) -> bool:
    return value is None or value == "" or value == []


def _missing_required(sheet: BallotSheet, given: set[tuple[str, str | None]],
                      dont_know: set[tuple[str, str | None]] = frozenset()) -> list[BallotError]:
    """What is required and not answered, `given` being the (question, unit) places with an answer
    and `dont_know` those answered "don't know", which count as answered but not as a rating."""
    errors = [
        BallotError(q.key, None, _("Please answer this question."))
        for q in sheet.profile_questions if q.required and (q.key, None) not in given
    ]
    rated = [u for u in sheet.units if any((q.key, u.code) in given for q in sheet.unit_questions)]
    if not any(unit is not None for _question, unit in given - dont_know):
        first = next((q for q in sheet.unit_questions if q.required), None)
        errors.append(BallotError(first.key if first else None, None,
                                  _("Rate at least one unit (“don't know” is not a rating).")))
    for unit in rated:
        errors += [
            BallotError(q.key, unit.code, _("Please answer this question for %(unit)s.") % {"unit": unit.name})
            for q in sheet.unit_questions if q.required and (q.key, unit.code) not in given
        ]
    # A unit whose required grade is "don't know" takes no other grades.
    unknown = {unit for key, unit in dont_know if unit is not None and sheet.by_key[key].required}
    for unit in (u for u in rated if u.code in unknown):
        graded = [q for q in sheet.unit_questions if (q.key, unit.code) in given and (q.key, unit.code) not in dont_know]
        if graded:
            errors.append(BallotError(graded[0].key, unit.code,
                                      _("%(unit)s is marked “don't know”: leave its other grades empty, or grade it.")
                                      % {"unit": unit.name}))
    return errors


# --- Casting ---------------------------------------------------------------------------------

class Receipt(str):
    """A receipt number; `repeated` when it answers a retry of a ballot stored before."""

    repeated = False


IDEMPOTENCY_KEY_MAX = 255


def ballot_cast(*, sheet: BallotSheet, answers: list[AnswerIn], channel: str, invitation: InvitationFound | None = None,
                suspected_duplicate: bool = False, idempotency_key: str | None = None) -> Receipt:
    """Validate and store one ballot; return a receipt number.

    With an invitation, the code's spent tag is inserted in the same statement (PostgreSQL) or
    transaction as the ballot: both happen or neither. The ballot is stored as one PendingBallot row
    with its answers packed; `ballots_settle` writes it out as a Ballot later, in another transaction.

    Without an `idempotency_key` the receipt is random and stored nowhere. With one (from the
    submitting form or the API's Idempotency-Key header), the receipt is a keyed hash of the code and
    the key, and the spent tag keeps a keyed hash of code, key and answers: sending the same ballot
    with the same key again, because an answer was lost on the way, returns the same receipt
    (`repeated`) instead of InvitationUsed. Nothing stored names the key or the receipt.
    """
    if sheet.group.access == EvaluatorGroup.Access.INVITATION and invitation is None and channel == Ballot.Channel.ONLINE:
        raise InvitationNotFound
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise ValueError(f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX} characters.")
    clean = validate_answers(sheet, answers)
    today = timezone.localdate()
    answers_text = packed_text(clean.answers)
    row = (uuid.uuid4(), sheet.campaign.id, sheet.group.id, channel, today, clean.profile, suspected_duplicate,
           answers_text)
    retry = None
    if invitation is not None and idempotency_key is not None:
        retry = uuid.UUID(bytes=_keyed(RETRY_SALT, invitation.code, idempotency_key, answers_text)[:16])
    if not _store_pending(row, campaign_id=sheet.campaign.id, invitation=invitation, retry_tag=retry):
        if retry is not None and SpentTag.objects.filter(tag=invitation.tags[0], retry_tag=retry).exists():
            return _receipt(invitation, idempotency_key, repeated=True)
        raise _refusal(sheet.campaign.id, invitation)
    return _receipt(invitation, idempotency_key if retry is not None else None)


def _receipt(invitation: InvitationFound | None, idempotency_key: str | None, repeated: bool = False) -> Receipt:
    digits = (_keyed(RECEIPT_SALT, invitation.code, idempotency_key).hex()[:12] if idempotency_key is not None
              else secrets.token_hex(6))
    receipt = Receipt(format_receipt(digits))
    receipt.repeated = repeated
    return receipt


PENDING_COLUMNS = ("id", "campaign_id", "group_id", "channel", "received_on", "profile", "suspected_duplicate", "answers")


def _store_pending(row: tuple, *, campaign_id: int, invitation: InvitationFound | None,
                   retry_tag: uuid.UUID | None) -> bool:
    """Insert the PendingBallot `row` if its code can be spent now (spending it), or, without an
    invitation, if its campaign takes ballots now: both or neither. False: neither."""
    if invitation is not None and connection.vendor == "postgresql":
        # Inside a caller's transaction a savepoint keeps a failing statement from aborting all of it.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return _spend_and_insert(invitation, campaign_id, retry_tag,
                                     *insert_parts(PendingBallot, PENDING_COLUMNS, row))
    with transaction.atomic():
        accepted = (_spend(invitation, campaign_id, retry_tag) if invitation is not None
                    else campaign_open_now(campaign_id))
        if accepted:
            insert_rows(PendingBallot, PENDING_COLUMNS, [row])
        return accepted


def _refusal(campaign_id: int, invitation: InvitationFound | None) -> Exception:
    """Why the code could not be spent (or the campaign took no ballot): the exception to raise."""
    reason = campaign_refusal(campaign_id)
    if reason:
        return CampaignNotOpen(reason)
    if invitation is not None and SpentTag.objects.filter(tag__in=invitation.tags).exists():
        return InvitationUsed()
    # The campaign opened a moment after the check: nothing was stored, the same ballot may be sent again.
    return CampaignNotOpen(_("This evaluation is not open at this moment. Please try again."))


def format_receipt(hex_digits: str) -> str:
    return "-".join(hex_digits[i:i + 4].upper() for i in range(0, len(hex_digits), 4))


BALLOT_COLUMNS = ("id", "campaign_id", "group_id", "channel", "received_on", "profile", "suspected_duplicate")
SCORE_COLUMNS = ("ballot_id", "group_id", "unit_id", "score", "cell_id")   # BallotUnitScore rows, here and the demo's


class BallotBatch:
    """Ballots of one group, collected as rows and written together: paper imports, settling."""

    def __init__(self, sheet: BallotSheet):
        self.sheet = sheet
        self.ballots: list[tuple] = []
        self.answers: list[tuple] = []
        self.scores: list[tuple] = []

    def __len__(self) -> int:
        return len(self.ballots)

    def add(self, clean: CleanBallot, *, channel: str, received_on: date, suspected_duplicate: bool = False) -> uuid.UUID:
        """A new ballot with its answers."""
        ballot_id = uuid.uuid4()
        self.ballots.append((ballot_id, self.sheet.campaign.id, self.sheet.group.id, channel, received_on,
                             clean.profile, suspected_duplicate))
        answers = [unpacked(answer) for answer in clean.answers]
        self.answers += [(ballot_id, *answer) for answer in answers]
        self.scores += _unit_scores(ballot_id, self.sheet, answers, cell_key(self.sheet.design_keys, clean.profile))
        return ballot_id

    def write(self) -> None:
        """Insert what was collected (caller's transaction) and start empty again."""
        insert_rows(Ballot, BALLOT_COLUMNS, self.ballots)
        insert_rows(Answer, ("ballot_id", "question_id", "unit_id", "option_id", "number", "text", "choices",
                             "commitment_id"), self.answers)
        ids = cell_ids(self.sheet.group.id, {row[-1] for row in self.scores})
        insert_rows(BallotUnitScore, SCORE_COLUMNS, [(*row[:-1], ids[row[-1]]) for row in self.scores])
        self.ballots, self.answers, self.scores = [], [], []


def _unit_scores(ballot_id, sheet: BallotSheet, answers: list[tuple], cell: str):
    """(ballot, group, unit, score, cell key) rows: the weighted mean of the ballot's scored answers per unit."""
    pairs: dict[int, list[tuple[float, float]]] = {}
    for question_id, unit_id, option_id, number, _text, _choices, commitment_id in answers:
        question = sheet.by_id[question_id]
        if unit_id is None or not question.is_scored or commitment_id is not None:   # 兑现情况: not in the score
            continue
        if question.kind == Question.Kind.GRADE:
            score = sheet.option_scores.get(option_id)
            if score is None:   # "don't know": not a vote
                continue
        else:
            score = scale_score(number, question.min_value, question.max_value)
        pairs.setdefault(unit_id, []).append((sheet.weights[question_id], score))
    group_id = sheet.group.id
    for unit_id, unit_pairs in pairs.items():
        score = weighted_unit_score(unit_pairs)
        if score is not None:
            yield ballot_id, group_id, unit_id, score, cell


# --- Settling: pending ballots → Ballot, Answer and BallotUnitScore rows ------------------------

SETTLE_BATCH = 500
SETTLE_MIN_BATCH = 20


def ballots_settle(*, campaign_id: int | None = None, batch_size: int = SETTLE_BATCH,
                   min_batch: int = SETTLE_MIN_BATCH) -> int:
    """Write out the pending ballots of one campaign (or of all): return how many.

    The rows a transaction writes share its id (PostgreSQL's xmin), so ballots written together
    cannot be told apart by it, and a batch of one would stand out. So no batch is smaller than
    `min_batch`, and while a campaign takes ballots `min_batch` of its pending ballots, chosen by
    their random ids, are kept back: the last batch, when the campaign no longer takes ballots, is
    then not smaller either (unless the whole campaign had fewer ballots). `min_batch=1` writes
    every pending ballot now, one alone if need be (tests).

    Each batch is one transaction that claims its pending rows by deleting them, so concurrent
    settlers never write a ballot twice: PostgreSQL skips rows another settler has locked, and
    the rows of a campaign that is being scored (its row locked by `scoring`), SQLite lets one
    writer at a time. Rows are claimed in the order of their random ids and written shuffled,
    each ballot under a new random id: neither ids nor the order of rows follow the order of
    casting beyond the batch a ballot was settled in. On PostgreSQL the pending table is vacuumed
    once the transaction commits, so the deleted rows' versions leave the table's pages.
    """
    settled = 0
    for campaign in _campaigns_with_pending(campaign_id):
        settled += _settle_campaign(campaign, batch_size=batch_size, min_batch=min_batch)
    if settled:
        transaction.on_commit(vacuum_pending)
    return settled


def _campaigns_with_pending(campaign_id: int | None) -> list[int]:
    if campaign_id is not None:
        return [campaign_id]
    return list(PendingBallot.objects.order_by().values_list("campaign_id", flat=True).distinct())


def _settle_campaign(campaign_id: int, *, batch_size: int, min_batch: int) -> int:
    settled = 0
    while True:
        with transaction.atomic():
            pending = PendingBallot.objects.filter(campaign_id=campaign_id).count()
            closing = not campaign_open_now(campaign_id)
            size = settle_batch_size(pending, closing=closing, batch_size=batch_size, min_batch=min_batch)
            claimed = _claim_pending(campaign_id, size) if size else []
            # Other settlers hold some rows (or scoring holds the campaign): never a batch below the
            # minimum, unless it is all there is of a campaign that no longer takes ballots.
            if not claimed or len(claimed) < min(min_batch, pending if closing else min_batch):
                transaction.set_rollback(True)
                return settled
            _write_settled(claimed)
        settled += len(claimed)


def settle_batch_size(pending: int, *, closing: bool, batch_size: int, min_batch: int) -> int:
    """How many of a campaign's `pending` ballots the next batch takes (0: none for now).

    While the campaign takes ballots, `min_batch` stay back (when min_batch > 1) and no batch is
    smaller than `min_batch`. Once it no longer does (closing), all are written, in batches of
    equal size (within one) so that the last is not a small remainder.
    """
    if closing:
        batches = -(-pending // batch_size)
        return -(-pending // batches) if pending else 0
    available = pending - (min_batch if min_batch > 1 else 0)
    return min(batch_size, available) if available >= min_batch else 0


def vacuum_pending() -> None:
    """VACUUM the pending table (PostgreSQL, outside any transaction): the row versions that
    settling deleted, with their answers and transaction ids, are removed from its pages (and an
    emptied table is truncated). Until then anyone reading the files could still see them."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {_table(PendingBallot)}")
    except DatabaseError as error:   # settling is done; a vacuum that could not run is retried next time
        logger.warning("VACUUM of the pending ballots failed: %s", error)


class _Pending(NamedTuple):
    group_id: int
    channel: str
    received_on: date
    profile: dict
    suspected_duplicate: bool
    answers: list


def _claim_pending(campaign_id: int, limit: int) -> list[_Pending]:
    """Delete up to `limit` pending ballots of one campaign and return them."""
    table, campaigns = _table(PendingBallot), _table(Campaign)
    where, params = "WHERE p.campaign_id = %s", [campaign_id]
    lock = (" FOR UPDATE OF p SKIP LOCKED FOR SHARE OF c SKIP LOCKED"
            if connection.features.has_select_for_update_skip_locked else "")
    # MATERIALIZED: the claim runs once. As a plain `IN (subquery)` the planner may rescan it for
    # every row it deletes, and each rescan skips the rows already deleted and takes the next ones:
    # a batch of 500 could claim every pending row.
    sql = (f"WITH claimed AS MATERIALIZED (SELECT p.id FROM {table} p JOIN {campaigns} c ON c.id = p.campaign_id "
           f"{where} ORDER BY p.id LIMIT %s{lock}) "
           f"DELETE FROM {table} WHERE id IN (SELECT id FROM claimed) "
           f"RETURNING group_id, channel, received_on, profile, suspected_duplicate, answers")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    # A raw cursor returns what the driver gives: dates as text on SQLite, the profile JSON as text on both.
    return [_Pending(group_id, channel, received_on if isinstance(received_on, date) else date.fromisoformat(received_on),
                     _json(profile), bool(suspected), json.loads(answers))
            for group_id, channel, received_on, profile, suspected, answers in rows]


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _write_settled(claimed: list[_Pending]) -> None:
    secrets.SystemRandom().shuffle(claimed)
    by_group: dict[int, list[_Pending]] = {}
    for pending in claimed:
        by_group.setdefault(pending.group_id, []).append(pending)
    for group_id, ballots in by_group.items():
        batch = BallotBatch(cached_ballot_sheet(group_id))
        for pending in ballots:
            batch.add(CleanBallot(pending.answers, pending.profile), channel=pending.channel,
                      received_on=pending.received_on, suspected_duplicate=pending.suspected_duplicate)
        batch.write()


def pending_ballots_rating(unit: Unit):
    """The pending ballots that may rate `unit`: their packed answers name units by id, with no foreign key."""
    return PendingBallot.objects.filter(group__units=unit)
