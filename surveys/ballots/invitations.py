"""Invitation codes: from a typed code to its invitation, and spending it with the ballot.

On PostgreSQL a cast with an invitation makes two round trips: the code lookup
(`invitation_for_code`), then one statement that inserts the code's spent tag and the pending
ballot (`spend_and_insert`). Elsewhere that statement is a transaction of two INSERTs.
"""
from __future__ import annotations

import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils.crypto import salted_hmac

from ..codes import InvalidCode, hash_code, normalize_code
from ..models import Campaign, Invitation, SpentTag
from ..selectors import campaign_open_sql
from .errors import InvitationNotFound
from .sql import db_uuid, table_name


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
    is_open, params = campaign_open_sql("c")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT i.id, i.group_id, EXISTS (SELECT 1 FROM {table_name(SpentTag)} s "
                       f"WHERE s.tag IN ({', '.join(['%s'] * len(tags))})), {is_open} FROM {table_name(Invitation)} i "
                       f"JOIN {table_name(Campaign)} c ON c.id = i.campaign_id WHERE i.code_hash = %s",
                       [*map(db_uuid, tags), *params, code_hash])
        row = cursor.fetchone()
    if row is None:
        raise InvitationNotFound
    return InvitationFound(row[0], row[1], bool(row[2]), bool(row[3]), code, tags)


# --- Spent tags: a code's use, recorded so that only the server's secret ties it to the code -----
# The invitation row is never written when its code is used: PostgreSQL would stamp it with the
# cast's transaction id (xmin), the id the ballot's pending row carries too. Instead the cast inserts
# a SpentTag, HMAC(SECRET_KEY, code), under a unique key in the ballot's statement. A database
# administrator sees tags, invitations (unkeyed SHA-256 hashes of the codes) and pending ballots,
# and can join tags to ballots, but not tags to invitations without both the codes and the secret.

SPENT_SALT = "minping.surveys.spent-tag"
RETRY_SALT = "minping.surveys.retry-tag"
RECEIPT_SALT = "minping.surveys.receipt"


def keyed(salt: str, *parts: str, secret: str | None = None) -> bytes:
    return salted_hmac(salt, "\x1f".join(parts), secret=secret, algorithm="sha256").digest()


def spent_tags(code: str, code_hash: str) -> tuple[uuid.UUID, ...]:
    """The tags that mark the (normalized) `code` used: under SECRET_KEY first — the one a cast
    inserts — then under each of SECRET_KEY_FALLBACKS (a rotated key) and the tag of an invitation
    used before spent tags (`legacy_tag`). Any of them means used."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return (*(uuid.UUID(bytes=keyed(SPENT_SALT, code, secret=key)[:16]) for key in keys), legacy_tag(code_hash))


def legacy_tag(code_hash: str) -> uuid.UUID:
    """The spent tag migration 0010 gave invitations used before spent tags existed."""
    return uuid.UUID(hex=code_hash[:32])


def spend_statement(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None) -> tuple[str, list]:
    """The INSERT of the code's spent tag if, and only if, no tag of the code exists and its
    campaign takes ballots now: one atomic conditional statement.

    Concurrent submissions with the same code all run it; the primary key lets exactly one of
    them insert (PostgreSQL makes the others wait for it and then do nothing; SQLite serialises
    writers), so exactly one ballot can follow. The earlier tags of the code (a rotated secret,
    a legacy tag) are checked, never inserted.
    """
    table = table_name(SpentTag)
    tag, *earlier = invitation.tags
    is_open, params = campaign_open_sql("c")
    return (f"INSERT INTO {table} (tag, group_id, retry_tag) SELECT %s, %s, %s "
            f"WHERE EXISTS (SELECT 1 FROM {table_name(Campaign)} c WHERE c.id = %s AND {is_open}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.tag IN ({', '.join(['%s'] * len(earlier))})) "
            f"ON CONFLICT (tag) DO NOTHING",
            [db_uuid(tag), invitation.group_id, None if retry_tag is None else db_uuid(retry_tag),
             campaign_id, *params, *map(db_uuid, earlier)])


def spend(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None) -> bool:
    """Run the spending INSERT (caller's transaction): was the code spent now?"""
    sql, params = spend_statement(invitation, campaign_id, retry_tag)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def spend_and_insert(invitation: InvitationFound, campaign_id: int, retry_tag: uuid.UUID | None,
                      table: str, columns: str, values: tuple) -> bool:
    """PostgreSQL: spend the code and insert the row in one statement, the pending ballot's INSERT
    taking its one row from the spent tag's (a data-modifying WITH). A statement is atomic on its
    own, so no transaction is opened around it: one round trip instead of four (BEGIN, INSERT,
    INSERT, COMMIT). Was the code spent (and the row inserted)?"""
    spend, params = spend_statement(invitation, campaign_id, retry_tag)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH spent AS ({spend} RETURNING 1) "
                       f"INSERT INTO {table} ({columns}) SELECT {placeholders} FROM spent", [*params, *values])
        return cursor.rowcount == 1
