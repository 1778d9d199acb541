"""Ballot rows: `BallotBatch`, the one writer of Ballot, Answer and BallotUnitScore rows.

Settling writes hundreds of ballots a second in bursts, each ~250 rows, so the per-row Python work
is what decides its speed (the database's own work is the floor: `bench/settle.py`). A batch turns
each distinct packed answer of a group into its row and its share of the unit score once (a city's
ballots repeat the same few hundred grade answers), computes each distinct set of a unit's grades'
score once, and on PostgreSQL writes the rows as COPY text without building any object per row.
Paper imports and settling both write through it, so a ballot's rows do not depend on its channel.
"""
from __future__ import annotations

import json
import uuid
from datetime import date

from django.db import connection

from minping.lib.bulk import insert_rows

from ..models import Answer, Ballot, BallotUnitScore, Question
from ..scores import scale_score, weighted_unit_score
from .cells import cell_ids, cell_key
from .sheet import BallotSheet
from .validation import CleanBallot, unpacked

BALLOT_COLUMNS = ("id", "campaign_id", "group_id", "channel", "received_on", "profile", "suspected_duplicate")
ANSWER_COLUMNS = ("ballot_id", "question_id", "unit_id", "option_id", "number", "text", "choices", "commitment_id")
SCORE_COLUMNS = ("ballot_id", "group_id", "unit_id", "score", "cell_id")   # BallotUnitScore rows, here and the demo's


class BallotBatch:
    """Ballots of one group, collected and written together (caller's transaction)."""

    def __init__(self, sheet: BallotSheet):
        self.sheet = sheet
        self.ballots: list[tuple[uuid.UUID, CleanBallot, str, date, bool]] = []

    def __len__(self) -> int:
        return len(self.ballots)

    def add(self, clean: CleanBallot, *, channel: str, received_on: date, suspected_duplicate: bool = False) -> uuid.UUID:
        """A new ballot with its answers, under a new random id (returned)."""
        ballot_id = uuid.uuid4()
        self.ballots.append((ballot_id, clean, channel, received_on, suspected_duplicate))
        return ballot_id

    def write(self) -> None:
        """Insert what was collected and start empty again."""
        if not self.ballots:
            return
        as_text = connection.vendor == "postgresql"
        rows = _Rows(self.sheet, as_text=as_text)
        cells = cell_ids(self.sheet.group.id, {cell_key(self.sheet.design_keys, clean.profile)
                                               for _id, clean, *_rest in self.ballots})
        for ballot_id, clean, channel, received_on, suspected in self.ballots:
            rows.add(ballot_id, clean, channel=channel, received_on=received_on, suspected_duplicate=suspected,
                     cell=cells[cell_key(self.sheet.design_keys, clean.profile)])
        write_rows(Ballot, BALLOT_COLUMNS, rows.ballots, as_text=as_text)
        write_rows(Answer, ANSWER_COLUMNS, rows.answers, as_text=as_text)
        write_rows(BallotUnitScore, SCORE_COLUMNS, rows.scores, as_text=as_text)
        self.ballots = []


def write_rows(model, columns: tuple[str, ...], rows: list, *, as_text: bool) -> None:
    """Insert `rows`: lines of COPY text on PostgreSQL (one write), tuples elsewhere (`insert_rows`)."""
    if not rows:
        return
    if not as_text:
        insert_rows(model, columns, rows)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write("".join(rows))


NULL = "\\N"   # COPY text's NULL
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value as a field of COPY's text format."""
    return value.translate(_COPY_ESCAPES)


class _Rows:
    """The rows of one batch of a group's ballots, as COPY text lines (`as_text`) or tuples.

    A packed answer is turned into the tail of its Answer row (everything after the ballot id)
    and its (unit, weight, score) once per batch; a unit's list of (weight, score) into its score
    once. Both caches are bounded by the batch.
    """

    def __init__(self, sheet: BallotSheet, *, as_text: bool):
        self.sheet, self.as_text = sheet, as_text
        self.campaign_id, self.group_id = sheet.campaign.id, sheet.group.id
        self.ballots: list = []
        self.answers: list = []
        self.scores: list = []
        self._answers: dict[tuple, tuple] = {}                   # packed answer → (row tail, score part)
        self._unit_scores: dict[tuple, float | None] = {}        # a unit's (weight, score) pairs → its score

    def add(self, ballot_id: uuid.UUID, clean: CleanBallot, *, channel: str, received_on: date,
            suspected_duplicate: bool, cell: int) -> None:
        pairs: dict[int, list[tuple[float, float]]] = {}
        known, answer_rows = self._answers, self.answers
        key = str(ballot_id) if self.as_text else ballot_id
        for answer in clean.answers:
            # Option answers (nearly all) are three ids: hashable as they are. Longer ones may hold a list.
            cached = known.get((answer[0], answer[1], answer[2])) if len(answer) == 3 else None
            if cached is None:
                cached = self._answer(answer)
            tail, part = cached
            answer_rows.append(key + tail if self.as_text else (key, *tail))
            if part is not None:
                pairs.setdefault(part[0], []).append(part[1])
        for unit_id, unit_pairs in pairs.items():
            score = self._unit_score(tuple(unit_pairs))
            if score is not None:
                self.scores.append(f"{key}\t{self.group_id}\t{unit_id}\t{score!r}\t{cell}\n" if self.as_text
                                   else (key, self.group_id, unit_id, score, cell))
        if self.as_text:
            profile = copy_text(json.dumps(clean.profile))
            self.ballots.append(f"{key}\t{self.campaign_id}\t{self.group_id}\t{channel}\t{received_on.isoformat()}\t"
                                f"{profile}\t{'t' if suspected_duplicate else 'f'}\n")
        else:
            self.ballots.append((key, self.campaign_id, self.group_id, channel, received_on, clean.profile,
                                 suspected_duplicate))

    def _answer(self, answer: list) -> tuple:
        """(row tail, (unit id, (weight, score)) or None) of a packed answer; kept when it is three ids."""
        question_id, unit_id, option_id, number, text, choices, commitment_id = unpacked(answer)
        if self.as_text:
            tail = "".join(f"\t{value}" for value in (
                question_id, NULL if unit_id is None else unit_id, NULL if option_id is None else option_id,
                NULL if number is None else repr(float(number)), copy_text(text),
                NULL if choices is None else copy_text(json.dumps(choices)),
                NULL if commitment_id is None else commitment_id)) + "\n"
        else:
            tail = (question_id, unit_id, option_id, number, text, choices, commitment_id)
        # 兑现情况 (a commitment's rating) is reported on its own, never part of the unit's score.
        part = None if commitment_id is not None else self._score_part(question_id, unit_id, option_id, number)
        cached = (tail, part)
        if len(answer) == 3:
            self._answers[(question_id, unit_id, option_id)] = cached
        return cached

    def _score_part(self, question_id: int, unit_id: int | None, option_id: int | None, number) -> tuple | None:
        """(unit id, (weight, score)) of an answer that counts towards its unit's score, else None."""
        question = self.sheet.by_id[question_id]
        if unit_id is None or not question.is_scored:
            return None
        if question.kind == Question.Kind.GRADE:
            score = self.sheet.option_scores.get(option_id)
            if score is None:   # "don't know": not a vote
                return None
        else:
            score = scale_score(number, question.min_value, question.max_value)
        return unit_id, (self.sheet.weights[question_id], score)

    def _unit_score(self, pairs: tuple) -> float | None:
        if pairs not in self._unit_scores:
            self._unit_scores[pairs] = weighted_unit_score(pairs)
        return self._unit_scores[pairs]
