"""A database administrator reading the live files cannot link a ballot to its invitation or to a
person: not by transaction ids (xmin), dead row versions, ids or row order, nor by a batch of one.

Each test comes with a control that puts back what the old design did (the cast wrote the
invitation row; no vacuum; invitations stored in the order they were printed; settling a batch of
one) and shows that the same check then finds the link.
"""
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from scipy import stats

import surveys.ballots.invitations
import surveys.ballots.settling
import surveys.services
import surveys.slips
from surveys.ballots import ballots_settle, spent_tags
from surveys.ballots.sql import table_name
from surveys.codes import hash_code, normalize_code
from surveys.models import Ballot, Campaign, Invitation, PendingBallot, RosterEntry, SpentTag
from surveys.services import invitations_issue

from .conftest import valid_answers

MARKER = "dead-tuple-marker-7f3a"


def cast(client, group, count: int, comment: str = "很好", codes=None) -> list[str]:
    codes = codes or invitations_issue(group=group, count=count, actor="tests")
    answers = [dict(a, value=comment) if a["question"] == "comments" else a for a in valid_answers(group)]
    for code in codes:
        response = client.post(f"/api/v1/ballots/{code}/", {"answers": answers}, content_type="application/json")
        assert response.status_code == 201, response.content
    return codes


def old_design_cast(monkeypatch) -> None:
    """The control: the cast writes the invitation row in the ballot's statement (as marking it used did)."""
    def write_the_invitation(invitation, campaign_id, retry_tag):
        return (f"UPDATE {table_name(Invitation)} SET created_on = created_on WHERE id = %s",
                [invitation.pk])

    monkeypatch.setattr(surveys.ballots.invitations, "spend_statement", write_the_invitation)


def xmins(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def pending_linked_to_invitations() -> int:
    """What a DBA's join finds: pending ballots written by the transaction that last wrote an invitation."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_pendingballot p JOIN surveys_invitation i "
                       "ON p.xmin::text = i.xmin::text")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestTransactionIds:
    def test_no_pending_ballot_shares_its_transaction_id_with_an_invitation(self, client, residents):
        codes = invitations_issue(group=residents, count=3, actor="tests")
        issued = xmins("SELECT xmin::text FROM surveys_invitation ORDER BY id")
        cast(client, residents, 3, codes=codes)
        assert PendingBallot.objects.count() == 3 and pending_linked_to_invitations() == 0
        # The casts did not write the invitations at all: their rows are as issued.
        assert xmins("SELECT xmin::text FROM surveys_invitation ORDER BY id") == issued
        # By design each pending ballot shares its transaction with its spent tag, which is not the invitation's.
        assert set(xmins("SELECT xmin::text FROM surveys_pendingballot")) == set(xmins("SELECT xmin::text FROM surveys_spenttag"))

    def test_control_the_old_design_is_linked_by_the_join(self, client, residents, monkeypatch):
        old_design_cast(monkeypatch)
        cast(client, residents, 3)
        assert PendingBallot.objects.count() == 3 and pending_linked_to_invitations() == 3


def dead_row_versions() -> list[tuple[str, bytes]]:
    """(xmin, the bytes of the page it is on) of every row version in the pending table's pages, live
    or dead, read from the pages themselves (pageinspect)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('surveys_pendingballot') / current_setting('block_size')::int")
        pages = cursor.fetchone()[0]
        found = []
        for page in range(pages):
            cursor.execute("SELECT get_raw_page('surveys_pendingballot', %s)", [page])
            raw = bytes(cursor.fetchone()[0])
            cursor.execute("SELECT t_xmin::text FROM heap_page_items(get_raw_page('surveys_pendingballot', %s)) "
                           "WHERE t_xmin IS NOT NULL", [page])
            found += [(row[0], raw) for row in cursor.fetchall()]
            if not found:
                found.append((None, raw))   # a page without row versions may still hold old bytes
        return found


@pytest.fixture
def pageinspect(db):
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        except Exception as error:   # noqa: BLE001 — not installed, or not a superuser
            pytest.skip(f"pageinspect is not available: {error}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestDeadRowVersions:
    def test_after_settling_the_pending_rows_leave_the_files(self, client, residents, pageinspect):
        cast(client, residents, 3, comment=MARKER)
        invitations = set(xmins("SELECT xmin::text FROM surveys_invitation"))
        assert ballots_settle(min_batch=1) == 3 and not PendingBallot.objects.exists()
        versions = dead_row_versions()
        assert not [xmin for xmin, _page in versions if xmin in invitations]
        assert not any(MARKER.encode() in page for _xmin, page in versions)   # vacuumed: nothing left to read

    def test_control_the_old_design_leaves_dead_rows_that_name_their_invitation(self, client, residents, pageinspect,
                                                                             monkeypatch):
        old_design_cast(monkeypatch)
        monkeypatch.setattr(surveys.ballots.settling, "vacuum_pending", lambda: None)
        cast(client, residents, 3, comment=MARKER)
        invitations = set(xmins("SELECT xmin::text FROM surveys_invitation"))
        assert ballots_settle(min_batch=1) == 3 and not PendingBallot.objects.exists()
        versions = dead_row_versions()
        linked = [page for xmin, page in versions if xmin in invitations]
        assert len(linked) == 3 and all(MARKER.encode() in page for page in linked)


def test_a_spent_tag_is_found_with_the_codes_and_the_secret_together_only(client, residents):
    """Tags are keyed: the codes alone (or their stored hashes) do not give them."""
    codes = cast(client, residents, 2)
    stored = set(SpentTag.objects.values_list("tag", flat=True))
    with_secret = {spent_tags(normalize_code(c), hash_code(normalize_code(c)))[0] for c in codes}
    assert with_secret == stored
    with override_settings(SECRET_KEY="another-secret-the-dba-guessed-0123456789-abcdefghijklmnop"):
        guessed = {spent_tags(normalize_code(c), hash_code(normalize_code(c)))[0] for c in codes}
    assert not guessed & stored
    hashes = set(Invitation.objects.values_list("code_hash", flat=True))
    assert not {uuid.UUID(hex=h[:32]) for h in hashes} & stored and not {t.hex for t in stored} & hashes


@pytest.mark.parametrize("shuffled", [True, False], ids=["issued", "control-in-printing-order"])
def test_roster_slips_leave_no_trace_of_name_order_in_ids_or_row_order(tmp_path, open_campaign, monkeypatch, shuffled):
    """Slips are printed in name order; the invitations' ids and places must not follow it."""
    group = open_campaign.groups.get(key="residents")
    names = [f"代表{i:03d}" for i in range(60)]
    RosterEntry.objects.bulk_create(RosterEntry(campaign=open_campaign, group=group, name=n) for n in names)
    printed = []
    monkeypatch.setattr(surveys.slips, "render_slips_pdf", lambda group, slips: printed.extend(slips) or b"%PDF-1.7")
    if not shuffled:
        monkeypatch.setattr(surveys.services, "stored_order", lambda rows: None)
    surveys.slips.invitation_slips(group=group, out=Path(tmp_path / "slips.pdf"), actor="tests", roster=True)
    assert [slip.name for slip in printed] == names
    by_hash = {hash_code(normalize_code(slip.code)): rank for rank, slip in enumerate(printed)}
    orders = {"id": list(Invitation.objects.order_by("id").values_list("code_hash", flat=True))}
    if connection.vendor == "postgresql":
        orders["ctid"] = [row[0] for row in _rows("SELECT code_hash FROM surveys_invitation ORDER BY ctid")]
    for stored in orders.values():
        rho, _p = stats.spearmanr(range(len(names)), [by_hash[h] for h in stored])
        assert (abs(rho) < 0.6) if shuffled else rho == pytest.approx(1.0)


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def ballots_per_transaction() -> list[int]:
    return sorted(row[0] for row in _rows("SELECT count(*) FROM surveys_ballot GROUP BY xmin::text"))


class TestNoBatchOfOne:
    def test_scoring_an_open_campaign_does_not_settle_a_lone_ballot(self, client, residents, staff):
        from scoring.services import score_run_create

        cast(client, residents, 1)
        score_run_create(campaign=residents.campaign, actor=staff)
        assert PendingBallot.objects.count() == 1 and not Ballot.objects.exists()

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_every_batch_holds_the_minimum_the_last_one_at_closing_too(self, client, residents):
        cast(client, residents, 13)
        assert ballots_settle(min_batch=5) == 8 and PendingBallot.objects.count() == 5   # 5 kept back
        cast(client, residents, 2)
        assert ballots_settle(min_batch=5) == 0   # 7 pending: 2 above the reserve is below the minimum
        Campaign.objects.filter(pk=residents.campaign_id).update(status=Campaign.Status.CLOSED)
        assert ballots_settle(min_batch=5) == 7
        assert ballots_per_transaction() == [7, 8]

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_control_without_a_minimum_a_ballot_is_alone_in_its_transaction(self, client, residents):
        cast(client, residents, 2)
        ballots_settle(min_batch=1)
        cast(client, residents, 1)
        ballots_settle(min_batch=1)
        assert ballots_per_transaction() == [1, 2]
