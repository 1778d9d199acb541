"""Anonymised ballot-level data: one row per ballot, numeric scores, and a codebook.

Rows are streamed from two queries ordered by ballot id (answers, unit scores), merged in
step, so an export of a million ballots never holds more than one ballot in memory.
"""
import csv
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook

from .ballots import BallotSheet, ballot_sheet, ballots_settle
from .commitments import PREFIX as COMMITMENT_PREFIX
from .models import Answer, Ballot, BallotUnitScore, EvaluatorGroup, Question
from .paper import columns

CHUNK = 5000


def export_columns(sheet: BallotSheet, *, with_comments: bool) -> list[str]:
    """`ballot`, the profile columns, `<unit>:<question>` scores, `score:<unit>`; comments only for staff."""
    cols = ["ballot", "channel", "received_on"]
    for column in columns(sheet):
        if column.question.kind == Question.Kind.TEXT and not with_comments:
            continue
        cols.append(column.key)
    cols += [f"score:{u.code}" for u in sheet.units]
    return cols


def ballot_rows(group: EvaluatorGroup, *, with_comments: bool) -> Iterator[list]:
    """The header, then one list of cells per ballot (numbers for graded answers)."""
    sheet = ballot_sheet(group)
    header = export_columns(sheet, with_comments=with_comments)
    position = {key: i for i, key in enumerate(header)}
    yield header
    ballots = Ballot.objects.filter(group=group).order_by("id").values_list("id", "channel", "received_on")
    answers = (Answer.objects.filter(ballot__group=group).order_by("ballot_id")
               .values_list("ballot_id", "question__key", "unit__code", "option__value", "option__score", "number",
                            "text", "choices", "commitment_id"))
    scores = (BallotUnitScore.objects.filter(group=group).order_by("ballot_id")
              .values_list("ballot_id", "unit__code", "score"))
    answers_by_ballot = groupby(answers.iterator(chunk_size=CHUNK), key=lambda row: row[0])
    scores_by_ballot = groupby(scores.iterator(chunk_size=CHUNK), key=lambda row: row[0])
    next_answers, next_scores = next(answers_by_ballot, None), next(scores_by_ballot, None)
    for ballot_id, channel, received_on in ballots.iterator(chunk_size=CHUNK):
        row = [None] * len(header)  # unanswered; XLSX skips empty cells, CSV writes ""
        row[0], row[1], row[2] = str(ballot_id), channel, received_on.isoformat()
        # Ballots settled while this runs are in the later queries only: skip their rows.
        while next_answers and next_answers[0] < ballot_id:
            next_answers = next(answers_by_ballot, None)
        while next_scores and next_scores[0] < ballot_id:
            next_scores = next(scores_by_ballot, None)
        if next_answers and next_answers[0] == ballot_id:
            for _id, key, unit, value, score, number, text, choices, commitment in next_answers[1]:
                cell = _answer_cell(sheet.by_key[key], value, score, number, text, choices)
                column = position.get(f"{COMMITMENT_PREFIX}{commitment}" if commitment else f"{unit}:{key}" if unit else key)
                if column is not None:
                    row[column] = cell
            next_answers = next(answers_by_ballot, None)
        if next_scores and next_scores[0] == ballot_id:
            for _id, unit, score in next_scores[1]:
                row[position[f"score:{unit}"]] = score
            next_scores = next(scores_by_ballot, None)
        yield row


def _answer_cell(question: Question, value, score, number, text, choices):
    """Graded answers as their 0–100 score (scale answers as given); choices as their values."""
    if question.kind == Question.Kind.GRADE:
        return float(score) if score is not None else value   # "don't know" (dk): no score, not a vote
    if question.kind == Question.Kind.SCALE:
        return number
    if question.kind == Question.Kind.CHOICE:
        return value
    if question.kind == Question.Kind.MULTI:
        return ";".join(choices or [])
    return text


def codebook_rows(group: EvaluatorGroup) -> Iterator[list]:
    """What every column means: question text, kind, and each option's value, label and score."""
    sheet = ballot_sheet(group)
    yield ["column", "question", "kind", "value", "label", "score"]
    yield ["score:<unit>", _("The ballot's score for the unit (weighted mean of its graded answers, 0–100)"),
           "number", "", "", ""]
    for question in sheet.questions:
        key = f"<unit>:{question.key}" if question.per_unit else question.key
        options = sheet.options[question.key].values()
        if not options:
            extra = f"{question.min_value}–{question.max_value} → 0–100" if question.kind == Question.Kind.SCALE else ""
            yield [key, question.text, question.kind, extra, "", ""]
        for option in options:
            yield [key, question.text, question.kind, option.value, option.label,
                   float(option.score) if option.score is not None else ""]
    for unit in sheet.units:
        yield [unit.code, unit.name, "unit", "", "", ""]


def write_export(group: EvaluatorGroup, out: Path, *, with_comments: bool) -> int:
    """Write the ballots (and the codebook) to CSV or XLSX; returns the number of ballots."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(_("Unsupported file type “%(suffix)s”: use .xlsx or .csv.") % {"suffix": suffix})
    ballots_settle(campaign_id=group.campaign_id)   # every ballot cast, with its answers as rows
    if suffix == ".csv":
        count = _write_csv(out, ballot_rows(group, with_comments=with_comments))
        _write_csv(out.with_name(out.stem + ".codebook.csv"), codebook_rows(group))
        return count
    workbook = Workbook(write_only=True)
    count = _fill(workbook.create_sheet(_("Ballots")).append, ballot_rows(group, with_comments=with_comments))
    _fill(workbook.create_sheet(_("Codebook")).append, codebook_rows(group))
    workbook.save(out)
    return count


def _write_csv(path: Path, rows) -> int:
    """Write the rows; returns how many followed the header."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        return _fill(csv.writer(handle).writerow, rows)


def _fill(append, rows) -> int:
    """Pass every row to `append`; returns how many followed the header."""
    written = 0
    for row in rows:
        append(row)
        written += 1
    return max(written - 1, 0)
