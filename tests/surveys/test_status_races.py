"""Two staff members closing one campaign at once: one closes it, the other is told it is closed;
the audit log records one transition."""
import pytest

import surveys.services
from surveys.models import AuditEvent, Campaign
from surveys.services import TransitionRefused, campaign_set_status
from tests.races import pause_in, race, without_row_locks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def close_twice(monkeypatch, campaign) -> list:
    # Paused after the current status is read and before the new one is written.
    pause_in(monkeypatch, surveys.services, "_transition_problems")
    return race(lambda: campaign_set_status(campaign=Campaign.objects.get(pk=campaign.pk), status="closed",
                                            actor="tests"))


def closings() -> int:
    return AuditEvent.objects.filter(action="campaign.status", data__to="closed").count()


def test_concurrent_closes_close_once_and_refuse_the_other(monkeypatch, open_campaign):
    outcomes = close_twice(monkeypatch, open_campaign)
    assert sorted(type(o).__name__ for o in outcomes) == ["Campaign", "TransitionRefused"]
    assert closings() == 1


def test_control_without_the_lock_both_close_and_the_log_says_so_twice(monkeypatch, open_campaign):
    with without_row_locks(monkeypatch):
        outcomes = close_twice(monkeypatch, open_campaign)
    assert not any(isinstance(o, TransitionRefused) for o in outcomes), outcomes
    assert closings() == 2
