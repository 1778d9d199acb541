"""Casting a ballot: the questionnaire as one group sees it, validation, and the atomic write.

The ballot page, the ballot API and the paper import all go through `validate_answers` and
`ballot_cast`, so a rule holds on every channel or on none.
"""
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .bulk import insert_rows
from .codes import InvalidCode, hash_code, normalize_code
from .models import Answer, Ballot, BallotUnitScore, Campaign, EvaluatorGroup, Invitation, Option, Question, Unit
from .scores import scale_score, weighted_unit_score

# --- What the caller gets back ---------------------------------------------------------------

@dataclass(frozen=True)
class AnswerIn:
    """One answer as submitted: a question key, a unit code (per-unit questions) and a value."""

    question: str
    unit: str | None
    value: object


@dataclass(frozen=True)
class BallotError:
    question: str | None
    unit: str | None
    message: str

    def as_dict(self) -> dict:
        return {"question": self.question, "unit": self.unit, "message": self.message}


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

@dataclass
class BallotSheet:
    campaign: Campaign
    group: EvaluatorGroup
    questions: list[Question]
    units: list[Unit]
    options: dict[str, dict[str, Option]] = field(default_factory=dict)   # question key → value → option

    def __post_init__(self):
        self.by_key = {q.key: q for q in self.questions}
        self.weights = {q.id: float(q.weight) for q in self.questions}  # Decimal → float once, not per answer
        self.units_by_code = {u.code: u for u in self.units}
        self.profile_questions = [q for q in self.questions if not q.per_unit]
        self.unit_questions = [q for q in self.questions if q.per_unit]
        self.design_keys = self.group.design_keys()  # frozen with the group once the campaign opens


def ballot_sheet(group: EvaluatorGroup) -> BallotSheet:
    """Load what a ballot of `group` may contain (three queries)."""
    questions = list(group.campaign.questionnaire.questions.prefetch_related("options").order_by("order", "id"))
    units = list(group.units.filter(active=True).order_by("code"))
    options = {q.key: {o.value: o for o in q.options.all()} for q in questions}
    return BallotSheet(campaign=group.campaign, group=group, questions=questions, units=units, options=options)


# --- Weighting cells --------------------------------------------------------------------------

# ASCII "unit separator": a control character, never part of an option value (short labels/slugs).
# Cheaper to store, hash and group by than JSON text ("D1\x1f60+\x1fF" is 8 bytes, the JSON
# array 16), which matters at tens of millions of score rows.
CELL_SEPARATOR = "\x1f"


def cell_key(design_keys: list[str], profile: dict) -> str:
    """A ballot's weighting cell in its group: its profile answers to the group's design keys, in
    order, joined by CELL_SEPARATOR; an unanswered key is an empty part; no design keys: "".

    Stored with every score row (`BallotUnitScore.cell`) by BallotBatch, the demo seeder and the
    migration that filled existing rows; `cell_levels` reads it back.
    """
    return CELL_SEPARATOR.join("" if profile.get(key) is None else str(profile[key]) for key in design_keys)


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


def invitation_for_code(raw_code: str) -> Invitation:
    """The invitation a typed or scanned code belongs to; InvitationNotFound when there is none."""
    try:
        code_hash = hash_code(normalize_code(raw_code))
    except InvalidCode:
        raise InvitationNotFound from None
    invitation = Invitation.objects.only("id", "group_id", "used").filter(code_hash=code_hash).first()
    if invitation is None:
        raise InvitationNotFound
    return invitation


def campaign_closed_reason(campaign: Campaign, now=None) -> str | None:
    """Why ballots cannot be cast now, or None when they can."""
    now = now or timezone.now()
    if campaign.status != Campaign.Status.OPEN:
        return _("This evaluation is not open (status: %(status)s).") % {"status": campaign.get_status_display()}
    if campaign.opens_at and now < campaign.opens_at:
        return _("This evaluation opens on %(date)s.") % {"date": f"{timezone.localtime(campaign.opens_at):%Y-%m-%d %H:%M}"}
    if campaign.closes_at and now >= campaign.closes_at:
        return _("This evaluation closed on %(date)s.") % {"date": f"{timezone.localtime(campaign.closes_at):%Y-%m-%d %H:%M}"}
    return None


# --- Validation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    unit: Unit | None
    option: Option | None = None
    number: float | None = None
    text: str = ""
    choices: tuple[str, ...] | None = None

    @property
    def score(self) -> float | None:
        """The 0–100 score of a graded answer (None for unscored kinds)."""
        if self.question.kind == Question.Kind.GRADE:
            return float(self.option.score)
        if self.question.kind == Question.Kind.SCALE:
            return scale_score(self.number, self.question.min_value, self.question.max_value)
        return None


def validate_answers(sheet: BallotSheet, answers: list[AnswerIn]) -> list[CleanAnswer]:
    """Check a whole ballot; raise BallotInvalid listing every problem, or return clean answers.

    A ballot must rate at least one unit, and for every unit it rates (gives any answer for)
    it must answer the required per-unit questions; required profile questions always.
    """
    errors: list[BallotError] = []
    clean: list[CleanAnswer] = []
    seen: set[tuple[str, str | None]] = set()
    for answer in answers:
        problem = _locate(sheet, answer, seen)
        if problem is None:
            cleaned = _clean_value(sheet, answer, errors)
            if cleaned is not None:
                clean.append(cleaned)
        else:
            errors.append(BallotError(answer.question, answer.unit, problem))
    errors += _missing_required(sheet, answers)
    if errors:
        raise BallotInvalid(errors)
    return clean


def _locate(sheet: BallotSheet, answer: AnswerIn, seen: set) -> str | None:
    """Is this a known question, for a unit of this group where it must be, and not repeated?"""
    question = sheet.by_key.get(answer.question) if isinstance(answer.question, str) else None
    if question is None:
        return _("Unknown question “%(key)s”.") % {"key": answer.question}
    if question.per_unit and not answer.unit:
        return _("This question is asked per unit: name the unit.")
    if not question.per_unit and answer.unit:
        return _("This question is asked once per ballot, not per unit.")
    if question.per_unit and answer.unit not in sheet.units_by_code:
        return _("Unit “%(unit)s” is not rated by this group.") % {"unit": answer.unit}
    key = (answer.question, answer.unit)
    if key in seen:
        return _("Answered more than once.")
    seen.add(key)
    return None


def _clean_value(sheet: BallotSheet, answer: AnswerIn, errors: list[BallotError]) -> CleanAnswer | None:
    question = sheet.by_key[answer.question]
    unit = sheet.units_by_code.get(answer.unit) if answer.unit else None
    value = answer.value

    def fail(message: str) -> None:
        errors.append(BallotError(answer.question, answer.unit, message))

    kind = question.kind
    if kind in (Question.Kind.GRADE, Question.Kind.CHOICE):
        option = sheet.options[question.key].get(value) if isinstance(value, str) else None
        if option is None:
            return fail(_("“%(value)s” is not one of the options.") % {"value": value})
        return CleanAnswer(question, unit, option=option)
    if kind == Question.Kind.SCALE:
        number = _as_number(value)
        if number is None:
            return fail(_("Enter a number."))
        if not question.min_value <= number <= question.max_value:
            return fail(_("Enter a number from %(min)d to %(max)d.") % {"min": question.min_value, "max": question.max_value})
        return CleanAnswer(question, unit, number=number)
    if kind == Question.Kind.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return fail(_("Give a list of option values."))
        unknown = [v for v in value if v not in sheet.options[question.key]]
        if unknown:
            return fail(_("“%(value)s” is not one of the options.") % {"value": ", ".join(unknown)})
        if len(set(value)) != len(value):
            return fail(_("An option is chosen more than once."))
        return CleanAnswer(question, unit, choices=tuple(value))
    if not isinstance(value, str):
        return fail(_("Give a text."))
    text = value.strip()
    if len(text) > question.max_length:
        return fail(_("At most %(max)d characters (this has %(n)d).") % {"max": question.max_length, "n": len(text)})
    return CleanAnswer(question, unit, text=text)


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


def _missing_required(sheet: BallotSheet, answers: list[AnswerIn]) -> list[BallotError]:
    given = {(a.question, a.unit) for a in answers if not _is_blank(a.value)}
    errors = [
        BallotError(q.key, None, _("Please answer this question."))
        for q in sheet.profile_questions if q.required and (q.key, None) not in given
    ]
    rated = [u for u in sheet.units if any((q.key, u.code) in given for q in sheet.unit_questions)]
    if not rated:
        first = next((q for q in sheet.unit_questions if q.required), None)
        errors.append(BallotError(first.key if first else None, None, _("Rate at least one unit.")))
    for unit in rated:
        errors += [
            BallotError(q.key, unit.code, _("Please answer this question for %(unit)s.") % {"unit": unit.name})
            for q in sheet.unit_questions if q.required and (q.key, unit.code) not in given
        ]
    return errors


# --- Casting ---------------------------------------------------------------------------------

def _consume_invitation(invitation_id: int, today: date) -> bool:
    """Mark the invitation used if, and only if, it was unused: one atomic conditional UPDATE.

    Concurrent submissions with the same code all run this; the database lets exactly one of
    them match `used = false` (PostgreSQL re-checks the condition after the row lock is
    released; SQLite serialises writers), so exactly one ballot can follow.
    """
    return Invitation.objects.filter(pk=invitation_id, used=False).update(used=True, used_on=today) == 1


def ballot_cast(*, sheet: BallotSheet, answers: list[AnswerIn], channel: str, invitation: Invitation | None = None,
                suspected_duplicate: bool = False) -> str:
    """Validate and store one ballot; return a receipt number.

    With an invitation, the invitation is consumed in the same transaction as the ballot is
    inserted: both happen or neither. The receipt is random and stored nowhere, so it says
    nothing about the ballot and cannot be used to find it (or to prove a vote to anyone).
    """
    if sheet.group.access == EvaluatorGroup.Access.INVITATION and invitation is None and channel == Ballot.Channel.ONLINE:
        raise InvitationNotFound
    clean = validate_answers(sheet, answers)
    today = timezone.localdate()
    with transaction.atomic():
        reason = campaign_closed_reason(current_campaign(sheet.campaign.id))
        if reason:
            raise CampaignNotOpen(reason)
        if invitation is not None and not _consume_invitation(invitation.pk, today):
            raise InvitationUsed
        ballot_store(sheet=sheet, clean=clean, channel=channel, received_on=today, suspected_duplicate=suspected_duplicate)
    return format_receipt(secrets.token_hex(6))


def format_receipt(hex_digits: str) -> str:
    return "-".join(hex_digits[i:i + 4].upper() for i in range(0, len(hex_digits), 4))


def ballot_store(*, sheet: BallotSheet, clean: list[CleanAnswer], channel: str, received_on: date,
                 suspected_duplicate: bool = False) -> uuid.UUID:
    """Insert one validated ballot with its answers and per-unit scores (caller's transaction)."""
    batch = BallotBatch(sheet)
    ballot_id = batch.add(clean, channel=channel, received_on=received_on, suspected_duplicate=suspected_duplicate)
    batch.write()
    return ballot_id


class BallotBatch:
    """Validated ballots of one group, collected as rows and written together (imports, casting)."""

    def __init__(self, sheet: BallotSheet):
        self.sheet = sheet
        self.ballots: list[tuple] = []
        self.answers: list[tuple] = []
        self.scores: list[tuple] = []

    def __len__(self) -> int:
        return len(self.ballots)

    def add(self, clean: list[CleanAnswer], *, channel: str, received_on: date, suspected_duplicate: bool = False) -> uuid.UUID:
        ballot_id = uuid.uuid4()
        profile = {a.question.key: a.option.value for a in clean
                   if a.unit is None and a.option is not None and a.question.kind == Question.Kind.CHOICE}
        self.ballots.append((ballot_id, self.sheet.campaign.id, self.sheet.group.id, channel, received_on, profile,
                             suspected_duplicate))
        self.answers += [(ballot_id, a.question.id, a.unit.id if a.unit else None, a.option.id if a.option else None,
                          a.number, a.text, list(a.choices) if a.choices is not None else None) for a in clean]
        self.scores += _unit_scores(ballot_id, self.sheet, clean, cell_key(self.sheet.design_keys, profile))
        return ballot_id

    def write(self) -> None:
        """Insert what was collected (caller's transaction) and start empty again."""
        insert_rows(Ballot, ("id", "campaign_id", "group_id", "channel", "received_on", "profile",
                             "suspected_duplicate"), self.ballots)
        insert_rows(Answer, ("ballot_id", "question_id", "unit_id", "option_id", "number", "text", "choices"),
                    self.answers)
        insert_rows(BallotUnitScore, ("ballot_id", "group_id", "unit_id", "score", "cell"), self.scores)
        self.ballots, self.answers, self.scores = [], [], []


def _unit_scores(ballot_id, sheet: BallotSheet, clean: list[CleanAnswer], cell: str):
    pairs: dict[int, list[tuple[float, float]]] = {}
    for answer in clean:
        if answer.unit is not None and answer.question.is_scored:
            pairs.setdefault(answer.unit.id, []).append((sheet.weights[answer.question.id], answer.score))
    group_id = sheet.group.id
    for unit_id, unit_pairs in pairs.items():
        score = weighted_unit_score(unit_pairs)
        if score is not None:
            yield ballot_id, group_id, unit_id, score, cell
