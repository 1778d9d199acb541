"""The ballot page's form: field names, reading a POST, and the rows the template draws.

Field names: `q:<question>` for profile questions, `u:<unit code>:<question>` for per-unit
questions.
"""
from dataclasses import dataclass

from .ballots import AnswerIn, BallotError, BallotSheet
from .models import Option, Question, Unit


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
class UnitRow:
    unit: Unit
    main: list[Field]
    dimensions: list[Field]

    @property
    def anchor(self) -> str:
        return f"unit-{self.unit.code}"

    @property
    def dimensions_open(self) -> bool:
        """Unfold the dimensions when one is answered or has an error, so nothing is hidden."""
        return any(f.value or f.error for f in self.dimensions)


def form_context(sheet: BallotSheet, post=None, errors: list[BallotError] | None = None) -> dict:
    """Everything the ballot template needs, with the submitted values kept after an error."""
    by_slot = {(e.question, e.unit): e.message for e in errors or []}

    def make(question, unit):
        name = field_name(question, unit)
        value = None
        if post is not None:
            value = post.getlist(name) if question.kind == Question.Kind.MULTI else post.get(name, "")
        return Field(question, name, list(sheet.options[question.key].values()), value,
                     by_slot.get((question.key, unit.code if unit else None), ""))

    profile = [make(q, None) for q in sheet.profile_questions if q.kind != Question.Kind.TEXT]
    comments = [make(q, None) for q in sheet.profile_questions if q.kind == Question.Kind.TEXT]
    rows = []
    for unit in sheet.units:
        fields = [make(q, unit) for q in sheet.unit_questions]
        rows.append(UnitRow(unit, [f for f in fields if not f.question.is_dimension],
                            [f for f in fields if f.question.is_dimension]))
    return {"sheet": sheet, "profile": profile, "rows": rows, "comments": comments,
            "error_summary": [_summary_line(sheet, e) for e in errors or []]}


def _summary_line(sheet: BallotSheet, error: BallotError) -> dict:
    """One line of the error list at the top: where (unit · question) and what."""
    question = sheet.by_key.get(error.question) if error.question else None
    unit = sheet.units_by_code.get(error.unit) if error.unit else None
    where = " · ".join(part for part in (unit.name if unit else "", question.text if question else "") if part)
    anchor = f"unit-{unit.code}" if unit else (f"q-{question.key}" if question else "")
    return {"where": where, "message": error.message, "anchor": anchor}
