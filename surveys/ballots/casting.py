"""Casting: one ballot validated and stored as a pending row, its invitation spent with it.

The ballot page and the ballot API call `ballot_cast`; the write is atomic (one statement on
PostgreSQL, one transaction elsewhere) and touches neither the invitation row nor the Ballot
tables: settling writes the ballot out later, in another transaction (`settling`).
"""
from __future__ import annotations

import contextlib
import secrets
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minping.lib.bulk import insert_parts, insert_rows

from ..models import Ballot, EvaluatorGroup, PendingBallot, SpentTag
from ..selectors import campaign_open_now, campaign_refusal
from .errors import CampaignNotOpen, InvitationNotFound, InvitationUsed
from .invitations import RECEIPT_SALT, RETRY_SALT, InvitationFound, keyed, spend, spend_and_insert
from .sheet import BallotSheet
from .validation import AnswerIn, packed_text, validate_answers


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
        retry = uuid.UUID(bytes=keyed(RETRY_SALT, invitation.code, idempotency_key, answers_text)[:16])
    if not _store_pending(row, campaign_id=sheet.campaign.id, invitation=invitation, retry_tag=retry):
        if retry is not None and SpentTag.objects.filter(tag=invitation.tags[0], retry_tag=retry).exists():
            return _receipt(invitation, idempotency_key, repeated=True)
        raise _refusal(sheet.campaign.id, invitation)
    return _receipt(invitation, idempotency_key if retry is not None else None)


def _receipt(invitation: InvitationFound | None, idempotency_key: str | None, repeated: bool = False) -> Receipt:
    digits = (keyed(RECEIPT_SALT, invitation.code, idempotency_key).hex()[:12] if idempotency_key is not None
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
            return spend_and_insert(invitation, campaign_id, retry_tag,
                                     *insert_parts(PendingBallot, PENDING_COLUMNS, row))
    with transaction.atomic():
        accepted = (spend(invitation, campaign_id, retry_tag) if invitation is not None
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
