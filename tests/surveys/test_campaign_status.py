"""The campaign's status machine: every transition allowed and refused, audited atomically."""
import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from surveys.models import AuditEvent, Campaign, CensusMargin, EvaluatorGroup, Question
from surveys.services import PROCESS_TARGETS, TRANSITIONS, TransitionRefused, campaign_set_status

Status = Campaign.Status
ALLOWED = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
ALL_PAIRS = list(itertools.product(Status.values, Status.values))

pytestmark = pytest.mark.django_db


def _put_in(campaign: Campaign, status: str) -> Campaign:
    """Place a campaign in a status directly (test set-up only; code uses the services)."""
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    return campaign


def test_the_graph_is_the_documented_life_cycle():
    assert ALLOWED == {
        ("draft", "open"), ("open", "closed"), ("closed", "open"), ("closed", "scored"),
        ("scored", "publicized"), ("publicized", "final"),
    }


@pytest.mark.parametrize("source,target", sorted(ALLOWED))
def test_allowed_transition_changes_status_and_writes_one_audit_event(campaign, staff, source, target):
    _put_in(campaign, source)
    process = "tests" if target in PROCESS_TARGETS else None
    campaign_set_status(campaign=campaign, status=target, actor=staff, process=process)

    campaign.refresh_from_db()
    assert campaign.status == target
    event = AuditEvent.objects.get(action="campaign.status")
    assert event.actor == staff and event.object_id == str(campaign.pk)
    assert event.data["from"] == source and event.data["to"] == target


@pytest.mark.parametrize("source,target", sorted(set(ALL_PAIRS) - ALLOWED))
def test_refused_transition_changes_nothing(campaign, staff, source, target):
    _put_in(campaign, source)
    with pytest.raises(TransitionRefused) as refused:
        campaign_set_status(campaign=campaign, status=target, actor=staff, process="tests")

    assert refused.value.reasons
    campaign.refresh_from_db()
    assert campaign.status == source
    assert not AuditEvent.objects.filter(action="campaign.status").exists()


@pytest.mark.parametrize("target", sorted(PROCESS_TARGETS))
def test_process_states_cannot_be_set_by_hand(campaign, staff, target):
    source = next(s for s, targets in TRANSITIONS.items() if target in targets)
    _put_in(campaign, source)
    with pytest.raises(TransitionRefused) as refused:
        campaign_set_status(campaign=campaign, status=target, actor=staff)
    assert PROCESS_TARGETS[target] in refused.value.reasons[0]
    campaign.refresh_from_db()
    assert campaign.status == source


def test_unknown_status_is_refused(campaign, staff):
    with pytest.raises(TransitionRefused):
        campaign_set_status(campaign=campaign, status="archived", actor=staff)


class TestOpenPreconditions:
    def _reasons(self, campaign, staff):
        with pytest.raises(TransitionRefused) as refused:
            campaign_set_status(campaign=campaign, status=Status.OPEN, actor=staff)
        campaign.refresh_from_db()
        assert campaign.status == Status.DRAFT
        return " ".join(refused.value.reasons)

    def test_a_ready_campaign_opens(self, campaign, staff):
        campaign_set_status(campaign=campaign, status=Status.OPEN, actor=staff)
        assert campaign.status == Status.OPEN

    def test_closing_time_in_the_past(self, campaign, staff):
        campaign.closes_at = timezone.now() - dt.timedelta(minutes=1)
        campaign.save()
        assert "关闭时间" in self._reasons(campaign, staff)

    def test_no_groups(self, campaign, staff):
        campaign.groups.all().delete()
        assert "评议主体" in self._reasons(campaign, staff)

    def test_group_without_units(self, campaign, staff):
        campaign.groups.get(key="delegates").units.clear()
        assert "delegates" in self._reasons(campaign, staff) or "评议主体" in self._reasons(campaign, staff)

    def test_all_group_weights_zero(self, campaign, staff):
        campaign.groups.update(weight=0)
        assert "权重" in self._reasons(campaign, staff)

    def test_no_weighted_per_unit_grade(self, campaign, staff):
        Question.objects.filter(questionnaire=campaign.questionnaire, per_unit=True).update(weight=0)
        assert "权重" in self._reasons(campaign, staff)

    def test_missing_census_margin_level(self, campaign, staff):
        CensusMargin.objects.filter(campaign=campaign, variable="age", level="60+").delete()
        reasons = self._reasons(campaign, staff)
        assert "60+" in reasons

    def test_raking_margins_with_different_totals(self, campaign, staff):
        CensusMargin.objects.filter(campaign=campaign, variable="sex", level="F").update(population=1)
        assert "总数" in self._reasons(campaign, staff)

    def test_design_on_a_question_that_is_not_a_profile_choice(self, campaign, staff):
        EvaluatorGroup.objects.filter(campaign=campaign, key="residents").update(stratify_by="overall")
        assert "overall" in self._reasons(campaign, staff)


def test_audit_event_rolls_back_with_the_change(campaign, staff):
    """The audit record and the change commit or roll back together."""
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with transaction.atomic():
            campaign_set_status(campaign=campaign, status=Status.OPEN, actor=staff)
            assert AuditEvent.objects.filter(action="campaign.status").count() == 1
            raise Boom

    campaign.refresh_from_db()
    assert campaign.status == Status.DRAFT
    assert not AuditEvent.objects.filter(action="campaign.status").exists()


def test_failed_audit_write_undoes_the_status_change(campaign, staff, monkeypatch):
    import surveys.services as services

    def failing_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        campaign_set_status(campaign=campaign, status=Status.OPEN, actor=staff)
    campaign.refresh_from_db()
    assert campaign.status == Status.DRAFT


class TestCampaignStatusCommand:
    def test_moves_the_campaign_and_audits_the_command(self, campaign, capsys):
        call_command("campaign_status", campaign.slug, "open")
        campaign.refresh_from_db()
        assert campaign.status == Status.OPEN
        assert AuditEvent.objects.get(action="campaign.status").actor_label == "manage.py campaign_status"

    def test_refused_transition_exits_1_with_the_reason(self, campaign, capsys, monkeypatch):
        from django.db import connections

        from surveys.management.commands.campaign_status import Command

        # run_from_argv closes every connection when it ends, the test's own included.
        monkeypatch.setattr(connections, "close_all", lambda: None)
        with pytest.raises(SystemExit) as exited:
            Command().run_from_argv(["manage.py", "campaign_status", campaign.slug, "final"])
        assert exited.value.code == 1
        assert "不能" in capsys.readouterr().err
        campaign.refresh_from_db()
        assert campaign.status == Status.DRAFT

    def test_unknown_campaign_is_an_error(self, db):
        with pytest.raises(CommandError, match="nope"):
            call_command("campaign_status", "nope", "open")
