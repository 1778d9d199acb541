"""The ballot page's form: field names, reading a POST, and the rows the template draws.

Field names: `q:<question>` for profile questions, `u:<unit code>:<question>` for per-unit
questions, `c:<commitment id>` for a commitment's 兑现情况 (`surveys.commitments`).
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .ballots import RESIDENCE, AnswerIn, BallotError, BallotSheet
from .commitments import FORM_PREFIX, PREFIX, answer_key, commitments_on_sheet
from .models import Commitment, Option, Question, Region, Unit


def field_name(question: Question, unit: Unit | None) -> str:
    return f"u:{unit.code}:{question.key}" if unit is not None else f"q:{question.key}"


def answers_from_post(sheet: BallotSheet, post) -> list[AnswerIn]:
    """The answers a submitted form holds; blank fields are unanswered.

    Every `q:`/`u:` field is read, known or not, and a radio field sent twice gives two
    answers, so the page is held to exactly the rules of the API (unknown keys and
    duplicates are refused by validation, not silently dropped).
    """
    answers = []
    for name in post:
        if name.startswith("q:"):
            unit, key = None, name[2:]
        elif name.startswith("u:") and ":" in name[2:]:
            unit, key = name[2:].rsplit(":", 1)
        elif name.startswith(FORM_PREFIX):
            unit, key = None, PREFIX + name[len(FORM_PREFIX):]
        else:
            continue
        values = [v.strip() for v in post.getlist(name) if v.strip()]
        question = sheet.by_key.get(key)
        if question is not None and question.kind == Question.Kind.MULTI:
            if values:
                answers.append(AnswerIn(key, unit, values))
        else:
            answers += [AnswerIn(key, unit, value) for value in values]
    return answers


@dataclass
class Field:
    question: Question
    name: str
    options: list[Option]
    value: object = None
    error: str = ""

    def chosen(self) -> set:
        return set(self.value) if isinstance(self.value, list) else {self.value}


@dataclass
class CommitmentRow:
    commitment: Commitment
    field: Field


@dataclass
class UnitRow:
    unit: Unit
    main: list[Field]
    dimensions: list[Field]
    commitments: list[CommitmentRow] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"unit-{self.unit.code}"

    @property
    def dimensions_open(self) -> bool:
        """Unfold the dimensions when one is answered or has an error, so nothing is hidden."""
        return any(f.value or f.error for f in self.dimensions)


def form_context(sheet: BallotSheet, post=None, errors: list[BallotError] | None = None, *, key: str = "") -> dict:
    """Everything the ballot template needs, with the submitted values kept after an error."""
    by_slot = {(e.question, e.unit): e.message for e in errors or []}

    def make(question, unit):
        name = field_name(question, unit)
        value = None
        if post is not None:
            value = post.getlist(name) if question.kind == Question.Kind.MULTI else post.get(name, "")
        return Field(question, name, list(sheet.options[question.key].values()), value,
                     by_slot.get((question.key, unit.code if unit else None), ""))

    # Profile answers that where the person lives already gives (the district) are not asked again.
    profile = [make(q, None) for q in sheet.profile_questions
               if q.kind != Question.Kind.TEXT and q.key not in sheet.implied]
    comments = [make(q, None) for q in sheet.profile_questions if q.kind == Question.Kind.TEXT]
    rows = []
    promised = _commitment_rows(sheet, post, by_slot)
    for unit in sheet.units:
        fields = [make(q, unit) for q in sheet.unit_questions]
        rows.append(UnitRow(unit, [f for f in fields if not f.question.is_dimension],
                            [f for f in fields if f.question.is_dimension], promised.get(unit.code, [])))
    rated = sum(1 for row in rows if any(isinstance(f.value, str) and f.value
                                         and f.value not in _dont_know_values(sheet, f.question) for f in row.main))
    return {"sheet": sheet, "profile": profile, "rows": rows, "comments": comments, "key": key,
            "residence": sheet.residence, "rated": rated, "total": len(rows), "fresh": post is None,
            "review_text": review_text(),
            "error_summary": [_summary_line(sheet, e) for e in errors or []]}


def _commitment_rows(sheet: BallotSheet, post, by_slot: dict) -> dict[str, list[CommitmentRow]]:
    """Unit code → its commitments' 兑现情况 fields (name `c:<id>`), with any value and error."""
    rows: dict[str, list[CommitmentRow]] = {}
    for commitment in commitments_on_sheet(sheet):
        name, key = f"{FORM_PREFIX}{commitment.pk}", answer_key(commitment)
        error = by_slot.get((key, commitment.unit.code)) or by_slot.get((key, None), "")
        rows.setdefault(commitment.unit.code, []).append(CommitmentRow(commitment, Field(
            sheet.commitment_scale, name, list(sheet.options[sheet.commitment_scale.key].values()),
            post.get(name, "") if post is not None else None, error)))
    return rows


def review_text() -> dict:
    """The words the page's script puts together for the review in the page (JavaScript), translated here."""
    return {"rated": _("You rated %(rated)s / %(total)s units"), "none": _("You have not rated any unit yet."),
            "dont_know": _("Don't know")}


def _dont_know_values(sheet: BallotSheet, question: Question) -> set[str]:
    return {value for value, option in sheet.options[question.key].items() if option.id in sheet.dont_know}


def _summary_line(sheet: BallotSheet, error: BallotError) -> dict:
    """One line of the error list at the top: where (unit · question) and what."""
    if error.question == RESIDENCE:
        return {"where": _("Where you live"), "message": error.message, "anchor": ""}
    question = sheet.by_key.get(error.question) if error.question else None
    unit = sheet.units_by_code.get(error.unit) if error.unit else None
    where = " · ".join(part for part in (unit.name if unit else "", question.text if question else "") if part)
    anchor = f"unit-{unit.code}" if unit else (f"q-{question.key}" if question else "")
    return {"where": where, "message": error.message, "anchor": anchor}


@dataclass
class ReviewedUnit:
    unit: Unit
    grades: list[tuple[str, str]]   # (question text, the chosen option's label)
    dont_know: bool
    promises: list[tuple[Commitment, str]] = field(default_factory=list)   # 兑现情况: (commitment, label)
    comments: list[tuple[str, str]] = field(default_factory=list)          # (question text, what was written)


def review_context(sheet: BallotSheet, post, *, token: str, key: str) -> dict:
    """The review page: how many units are rated, each with its grades, its commitments' 兑现情况
    and its comment, and the other answers: everything the ballot will hold, before it is cast."""
    promised: dict[str, list] = {}
    for commitment in commitments_on_sheet(sheet):
        option = sheet.options[sheet.commitment_scale.key].get(post.get(f"{FORM_PREFIX}{commitment.pk}", ""))
        if option is not None:
            promised.setdefault(commitment.unit.code, []).append((commitment, option.label))
    listed, unknown = [], []
    for unit in sheet.units:
        reviewed = ReviewedUnit(unit, [], False, promises=promised.get(unit.code, []))
        for question in sheet.unit_questions:
            value = post.get(field_name(question, unit), "")
            if question.kind == Question.Kind.TEXT:
                if value.strip():
                    reviewed.comments.append((question.text, value.strip()))
                continue
            option = sheet.options[question.key].get(value)
            if option is None:
                continue
            if option.id in sheet.dont_know:
                reviewed.dont_know = reviewed.dont_know or not question.is_dimension
                continue
            reviewed.grades.append((question.text, option.label))
        if reviewed.grades or reviewed.promises or reviewed.comments:
            listed.append(reviewed)
        if not reviewed.grades and reviewed.dont_know:
            unknown.append(unit)
    profile = []
    for question in sheet.profile_questions:
        values = post.getlist(field_name(question, None))
        options = sheet.options[question.key]
        shown = [options[v].label if v in options else v for v in values if v]
        if shown:
            profile.append((question.text, "、".join(shown)))
    return {"sheet": sheet, "listed": listed, "rated": sum(1 for u in listed if u.grades), "unknown": unknown,
            "total": len(sheet.units), "profile": profile, "residence": sheet.residence, "token": token, "key": key}


def place_steps(sheet: BallotSheet, place: str | None) -> dict:
    """One step of "where do you live": the regions chosen so far and the choices below them."""
    paths = [[r for r in p.path if r.level != Region.Level.CITY] for p in sheet.places.values()]
    trail: list[Region] = []
    for path in paths:
        codes = [r.code for r in path]
        if place in codes[:-1]:
            trail = path[:codes.index(place) + 1]
            break
    depth = len(trail)
    choices: dict[str, dict] = {}
    for path in paths:
        if len(path) > depth and [r.code for r in path[:depth]] == [r.code for r in trail]:
            region = path[depth]
            choices.setdefault(region.code, {"region": region, "final": depth == len(path) - 1})
    return {"trail": trail, "choices": list(choices.values()), "level": _level_question(trail)}


def _level_question(trail: list[Region]) -> str:
    below = {None: Region.Level.DISTRICT, Region.Level.DISTRICT: Region.Level.STREET}.get(
        trail[-1].level if trail else None, Region.Level.COMMUNITY)
    return {Region.Level.DISTRICT: _("Which district do you live in?"),
            Region.Level.STREET: _("Which street (subdistrict)?")}.get(below, _("Which community?"))
