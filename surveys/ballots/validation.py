"""Validation: a ballot's answers checked against its sheet, and packed for storing.

The page, the API and the paper import all call `validate_answers`, so a rule holds on every
channel or on none. A clean ballot comes back packed by ids (`CleanBallot`), the form in which
PendingBallot keeps it and settling writes it out.
"""
from __future__ import annotations

import json
import math
from typing import NamedTuple

from django.utils.translation import gettext as _

from ..commitments import split_answers
from ..models import Question
from .errors import BallotError, BallotInvalid
from .sheet import RESIDENCE, BallotSheet


class AnswerIn(NamedTuple):
    """One answer as submitted: a question key, a unit code (per-unit questions) and a value.

    A named tuple: a ballot has hundreds of answers, and a frozen dataclass
    costs several times more to build.
    """

    question: str
    unit: str | None
    value: object


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
    """A packed answer with its left-out trailing fields: (question, unit, option, number, text, choices)."""
    return (*answer, *PACKED_DEFAULTS[len(answer) - 3:])
