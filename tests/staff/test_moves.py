"""The dashboard's status moves: a confirmation page that states the consequence and changes
nothing; the move itself through the services (audited); refusals that change nothing."""
import pytest

from jobs.models import Job
from surveys.models import AuditEvent, Campaign

pytestmark = pytest.mark.django_db


def _status(campaign) -> str:
    campaign.refresh_from_db()
    return campaign.status


def test_the_close_confirmation_states_the_consequence_and_changes_nothing(client, staff, running):
    client.force_login(staff)
    page = client.get(f"/staff/campaigns/{running.slug}/close/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "关闭后居民将无法再投票" in html and "确认：结束评议" in html
    assert _status(running) == Campaign.Status.OPEN
    assert not AuditEvent.objects.filter(action="campaign.status", data__to="closed").exists()


def test_confirming_closes_the_campaign_and_audits_who_did(client, staff, running):
    client.force_login(staff)
    response = client.post(f"/staff/campaigns/{running.slug}/close/")
    assert response.status_code == 302 and response["Location"] == f"/staff/campaigns/{running.slug}/"
    assert _status(running) == Campaign.Status.CLOSED
    event = AuditEvent.objects.get(action="campaign.status", data__to="closed")
    assert event.actor == staff and event.data["from"] == "open"
    assert f"评议活动现为“{Campaign.Status.CLOSED.label}”" in client.get(response["Location"]).content.decode()


def test_reopening_a_closed_campaign_goes_back_to_open(client, staff, running):
    client.force_login(staff)
    client.post(f"/staff/campaigns/{running.slug}/close/")
    assert "群众可以再次投票" in client.get(f"/staff/campaigns/{running.slug}/reopen/").content.decode()
    client.post(f"/staff/campaigns/{running.slug}/reopen/")
    assert _status(running) == Campaign.Status.OPEN


def test_a_move_that_does_not_fit_the_status_is_refused_and_changes_nothing(client, staff, running):
    client.force_login(staff)
    page = client.get(f"/staff/campaigns/{running.slug}/reopen/")
    assert "不能进行此项操作" in page.content.decode() and 'class="confirm-actions"' not in page.content.decode()
    response = client.post(f"/staff/campaigns/{running.slug}/reopen/", follow=True)
    assert "不能进行此项操作" in response.content.decode()
    assert _status(running) == Campaign.Status.OPEN
    assert AuditEvent.objects.filter(action="campaign.status").count() == 1   # the fixture's opening only


def test_opening_a_campaign_that_is_not_ready_lists_what_is_missing(client, staff, campaign):
    campaign.groups.all().delete()
    client.force_login(staff)
    page = client.get(f"/staff/campaigns/{campaign.slug}/open/").content.decode()
    assert 'class="confirm-actions"' not in page and 'role="alert"' in page
    client.post(f"/staff/campaigns/{campaign.slug}/open/")
    assert _status(campaign) == Campaign.Status.DRAFT


def test_opening_a_ready_campaign(client, staff, campaign):
    client.force_login(staff)
    assert "测评表和各评议主体的加权设计随即冻结" in client.get(f"/staff/campaigns/{campaign.slug}/open/").content.decode()
    client.post(f"/staff/campaigns/{campaign.slug}/open/")
    assert _status(campaign) == Campaign.Status.OPEN


@pytest.fixture
def scorable(db):
    """An open campaign whose ballots support its weighting design (tests/scoring/factories.py)."""
    from tests.scoring.factories import scored_campaign_data

    return scored_campaign_data()


def test_scoring_a_closed_campaign_runs_as_a_job_and_the_campaign_becomes_scored(client, staff, scorable):
    running = scorable
    client.force_login(staff)
    client.post(f"/staff/campaigns/{running.slug}/close/")
    assert "不能再重新开放" in client.get(f"/staff/campaigns/{running.slug}/score/").content.decode()
    response = client.post(f"/staff/campaigns/{running.slug}/score/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED, job.error   # the test settings run jobs at once
    assert _status(running) == Campaign.Status.SCORED and running.score_runs.count() == 1


def test_scoring_an_open_campaign_says_the_run_is_provisional(client, staff, scorable):
    running = scorable
    client.force_login(staff)
    assert "临时结果" in client.get(f"/staff/campaigns/{running.slug}/score/").content.decode()
    client.post(f"/staff/campaigns/{running.slug}/score/")
    assert _status(running) == Campaign.Status.OPEN and running.score_runs.get().provisional


def test_the_dashboard_offers_the_moves_of_the_status_only(client, staff, running):
    client.force_login(staff)
    html = client.get(f"/staff/campaigns/{running.slug}/").content.decode()
    assert f'action="/staff/campaigns/{running.slug}/close/"' in html
    assert f'action="/staff/campaigns/{running.slug}/score/"' in html
    assert "/reopen/" not in html and f'action="/staff/campaigns/{running.slug}/open/"' not in html


def test_others_cannot_move_a_campaign(client, outsider, contact, running):
    for user in (outsider, contact):
        client.force_login(user)
        assert client.post(f"/staff/campaigns/{running.slug}/close/").status_code == 403
    client.logout()
    assert client.post(f"/staff/campaigns/{running.slug}/close/").status_code == 302
    assert _status(running) == Campaign.Status.OPEN
