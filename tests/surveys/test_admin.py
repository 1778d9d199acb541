"""The staff admin: open to evaluation staff, refused to others; actions call the services."""
import pytest
from django.contrib import admin
from django.urls import reverse

from surveys.models import AuditEvent, Ballot, Campaign, Questionnaire

pytestmark = pytest.mark.django_db

SURVEY_MODELS = [model for model in admin.site._registry if model._meta.app_label == "surveys"]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", SURVEY_MODELS, ids=lambda m: m._meta.model_name)
def test_staff_can_open_every_changelist(client, staff, campaign, model):
    client.force_login(staff)
    response = client.get(_changelist(model))
    assert response.status_code == 200


def test_staff_can_open_the_campaign_page_with_group_inlines(client, staff, campaign):
    client.force_login(staff)
    response = client.get(reverse("admin:surveys_campaign_change", args=[campaign.pk]))
    assert response.status_code == 200
    assert "residents" in response.content.decode()


def test_anonymous_is_sent_to_login(client, campaign):
    response = client.get(_changelist(Campaign))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_user_without_staff_status_cannot_enter(client, outsider, campaign):
    client.force_login(outsider)
    response = client.get(_changelist(Campaign))
    assert response.status_code == 302


def test_a_unit_contact_cannot_see_campaigns_or_ballots(client, staff_flagged_contact, campaign):
    client.force_login(staff_flagged_contact)
    assert client.get(_changelist(Campaign)).status_code == 403
    assert client.get(_changelist(Ballot)).status_code == 403
    assert client.get(_changelist(AuditEvent)).status_code == 403


def test_admin_is_in_chinese_by_default(client, staff, campaign):
    client.force_login(staff)
    body = client.get(_changelist(Campaign)).content.decode()
    assert "评议活动" in body and "草稿" in body


class TestCampaignActions:
    def _act(self, client, staff, action, campaign):
        client.force_login(staff)
        return client.post(_changelist(Campaign), {"action": action, "_selected_action": [campaign.pk]}, follow=True)

    def test_open_action_opens_through_the_service(self, client, staff, campaign):
        self._act(client, staff, "open_campaigns", campaign)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.OPEN
        event = AuditEvent.objects.get(action="campaign.status")
        assert event.actor == staff and event.data == {"from": "draft", "to": "open"}

    def test_refused_action_reports_the_reason_and_changes_nothing(self, client, staff, campaign):
        campaign.groups.all().delete()
        response = self._act(client, staff, "open_campaigns", campaign)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.DRAFT
        assert "评议主体" in response.content.decode()

    def test_close_action(self, client, staff, campaign):
        self._act(client, staff, "open_campaigns", campaign)
        self._act(client, staff, "close_campaigns", campaign)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.CLOSED

    def test_an_open_campaign_keeps_its_questionnaire_and_groups(self, client, staff, campaign):
        self._act(client, staff, "open_campaigns", campaign)
        body = client.get(reverse("admin:surveys_campaign_change", args=[campaign.pk])).content.decode()
        assert 'name="questionnaire"' not in body
        assert 'name="groups-0-weight"' not in body


class TestQuestionnaires:
    def test_create_from_the_standard_template(self, client, staff, db):
        client.force_login(staff)
        url = reverse("admin:surveys_questionnaire_create_standard")
        assert client.get(url).status_code == 200
        response = client.post(url, {"name": "2027 年度测评表"})
        questionnaire = Questionnaire.objects.get(name="2027 年度测评表")
        assert response["Location"] == reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
        assert AuditEvent.objects.filter(action="questionnaire.create_standard", actor=staff).exists()

    def test_template_view_refused_to_a_unit_contact(self, client, staff_flagged_contact, db):
        client.force_login(staff_flagged_contact)
        assert client.get(reverse("admin:surveys_questionnaire_create_standard")).status_code == 403

    def test_questionnaire_of_an_opened_campaign_is_read_only(self, client, staff, campaign):
        client.force_login(staff)
        url = reverse("admin:surveys_questionnaire_change", args=[campaign.questionnaire.pk])
        TestCampaignActions()._act(client, staff, "open_campaigns", campaign)
        response = client.post(url, {"name": "改名"})
        campaign.questionnaire.refresh_from_db()
        assert campaign.questionnaire.name != "改名"
        assert response.status_code == 403


def test_ballots_are_read_only(client, staff, campaign):
    group = campaign.groups.first()
    ballot = Ballot.objects.create(campaign=campaign, group=group, channel="online", received_on="2026-11-27")
    client.force_login(staff)
    assert client.get(reverse("admin:surveys_ballot_change", args=[ballot.pk])).status_code == 200
    assert client.get(reverse("admin:surveys_ballot_add")).status_code == 403
    assert client.post(reverse("admin:surveys_ballot_delete", args=[ballot.pk]), {"post": "yes"}).status_code == 403
    assert Ballot.objects.filter(pk=ballot.pk).exists()
