"""Ballots, by stage: what a group's ballot holds (`sheet`), whether answers are right
(`validation`), storing one as cast (`casting`, behind the `gate` of its code, with `invitations`
for the code it spends), and writing cast ballots out (`settling`) as rows (`rows`, with `cells`
for the weighting cell of each).

The ballot page, the ballot API and the paper import all go through `validate_answers`, and
online ballots through `ballot_cast`, so a rule holds on every channel or on none. Other code
imports the names below from `surveys.ballots`; the stage modules import each other directly.
"""
from .casting import IDEMPOTENCY_KEY_MAX, ballot_cast
from .cells import CELL_SEPARATOR, cell_ids, cell_key, cell_levels
from .errors import BallotError, BallotInvalid, CampaignNotOpen, InvitationNotFound, InvitationUsed
from .gate import CodeRefused, invitation_gate
from .invitations import InvitationFound, invitation_for_code, legacy_tag, spent_tags
from .rows import SCORE_COLUMNS, BallotBatch
from .settling import SETTLE_MIN_BATCH, ballots_settle
from .sheet import RESIDENCE, BallotSheet, ballot_sheet, cached_ballot_sheet, clear_sheet_cache, sheet_for_residence
from .validation import AnswerIn, validate_answers

__all__ = [
    "CELL_SEPARATOR", "IDEMPOTENCY_KEY_MAX", "RESIDENCE", "SCORE_COLUMNS", "SETTLE_MIN_BATCH",
    "AnswerIn", "BallotBatch", "BallotError", "BallotInvalid", "BallotSheet", "CampaignNotOpen", "CodeRefused",
    "InvitationFound", "InvitationNotFound", "InvitationUsed",
    "ballot_cast", "ballot_sheet", "ballots_settle", "cached_ballot_sheet", "cell_ids", "cell_key", "cell_levels",
    "clear_sheet_cache", "invitation_for_code", "invitation_gate", "legacy_tag",
    "sheet_for_residence", "spent_tags", "validate_answers",
]
