"""Two notices published at once (two campaigns) still form one chain: each names its predecessor.
The old head-row lock let both claim the same predecessor; these tests found it."""
import pytest
from django.db import IntegrityError

import publicity.services
from publicity.models import GENESIS_SHA256, Notice
from publicity.services import notice_publish
from tests.races import pause_in, race

from .factories import PUBLISHED_AT, scored_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def publish_two_at_once(monkeypatch) -> list:
    campaigns = iter([scored_campaign(seed=1), scored_campaign(seed=2)])
    # Paused after the chain's head is read and before the new notice is stored.
    pause_in(monkeypatch, publicity.services, "notice_render")
    return race(lambda: notice_publish(campaign=next(campaigns), kind="publicity", actor="tests", now=PUBLISHED_AT))


def test_concurrent_publications_extend_the_chain_one_after_the_other(monkeypatch):
    outcomes = publish_two_at_once(monkeypatch)
    assert [type(o) for o in outcomes] == [Notice, Notice], outcomes
    first, second = Notice.objects.order_by("sequence")
    assert (first.sequence, second.sequence) == (1, 2)
    assert (first.previous_sha256, second.previous_sha256) == (GENESIS_SHA256, first.sha256)


def test_control_without_the_chain_lock_both_claim_the_same_predecessor(monkeypatch):
    monkeypatch.setattr(publicity.services, "_lock_chain", lambda: None)
    outcomes = publish_two_at_once(monkeypatch)
    assert any(isinstance(o, IntegrityError) for o in outcomes), outcomes
    assert Notice.objects.count() == 1


def test_control_locking_the_head_row_instead_is_not_enough(monkeypatch):
    """What the code did before: SELECT … FOR UPDATE on the newest notice. With no notice yet
    there is nothing to lock, and both publishers take sequence 1."""
    def lock_head_row():
        Notice.objects.select_for_update().order_by("-sequence").first()

    monkeypatch.setattr(publicity.services, "_lock_chain", lock_head_row)
    outcomes = publish_two_at_once(monkeypatch)
    assert any(isinstance(o, IntegrityError) for o in outcomes), outcomes
