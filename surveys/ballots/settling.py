"""Settling: pending ballots written out as Ballot, Answer and BallotUnitScore rows.

A cast stores one PendingBallot row (`casting`); `ballots_settle` (the `settle_ballots` command,
or scoring and exports before they read) claims pending rows in batches, shuffles them and writes
each under a new random id, so that neither ids, row order nor transaction ids tie a ballot to
its invitation. The rows are written by `rows.BallotBatch`, as paper imports write theirs.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import date
from typing import NamedTuple

from django.db import DatabaseError, connection, transaction

from ..models import Campaign, PendingBallot
from ..selectors import campaign_open_now
from .rows import BallotBatch
from .sheet import cached_ballot_sheet
from .sql import table_name
from .validation import CleanBallot

logger = logging.getLogger(__name__)

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
            cursor.execute(f"VACUUM {table_name(PendingBallot)}")
    except DatabaseError as error:   # settling is done; a vacuum that could not run is retried next time
        logger.warning("VACUUM of the pending ballots failed: %s", error)


class _Pending(NamedTuple):
    group_id: int
    channel: str
    received_on: date
    profile: dict
    suspected_duplicate: bool
    answers: list


# The claim's row locks (PostgreSQL): the pending rows another settler holds are skipped, not
# waited for, so several settlers work side by side; so is a campaign whose row scoring holds.
CLAIM_LOCKS = " FOR UPDATE OF p SKIP LOCKED FOR SHARE OF c SKIP LOCKED"


def _claim_pending(campaign_id: int, limit: int) -> list[_Pending]:
    """Delete up to `limit` pending ballots of one campaign and return them."""
    table, campaigns = table_name(PendingBallot), table_name(Campaign)
    where, params = "WHERE p.campaign_id = %s", [campaign_id]
    lock = CLAIM_LOCKS if connection.features.has_select_for_update_skip_locked else ""
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
