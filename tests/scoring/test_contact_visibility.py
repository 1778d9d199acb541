"""Unit contacts see a campaign's results once it is published, unless the campaign says otherwise."""
import pytest
from django.urls import reverse

from publicity.services import notice_publish
from surveys.models import Campaign, Unit, UnitContact
from tests.publicity.factories import PUBLISHED_AT, scored_campaign

pytestmark = pytest.mark.django_db


def _contact_view(client, contact, campaign):
    unit = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code").first()
    UnitContact.objects.get_or_create(user=contact, unit=unit)
    client.force_login(contact)
    page = client.get(reverse("scoring:unit", args=[campaign.slug, unit.code]))
    index = client.get(reverse("scoring:index"))
    assert page.status_code == 200 and index.status_code == 200
    return page.context["run"], list(index.context["campaigns"])


def test_by_default_a_scored_campaign_is_hidden_from_contacts_until_published(client, contact):
    campaign = scored_campaign()
    run, listed = _contact_view(client, contact, campaign)
    assert run is None and campaign not in listed


def test_staff_see_the_scored_run_before_publication(client, staff):
    # Control: the run exists and is visible to staff, so the contact's empty page is the rule at work.
    campaign = scored_campaign()
    unit = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code").first()
    client.force_login(staff)
    page = client.get(reverse("scoring:unit", args=[campaign.slug, unit.code]))
    assert page.context["run"] is not None and page.context["entry"].code == unit.code


def test_contacts_see_the_published_run_once_the_notice_is_out(client, contact):
    campaign = scored_campaign()
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests", now=PUBLISHED_AT)
    run, listed = _contact_view(client, contact, campaign)
    assert run == notice.run and campaign in listed


def test_a_campaign_may_show_contacts_their_results_once_scored(client, contact):
    campaign = scored_campaign(results_for_contacts=Campaign.ContactResults.SCORED)
    run, listed = _contact_view(client, contact, campaign)
    assert run is not None and not run.provisional and campaign in listed


def test_the_default_is_after_publication():
    assert Campaign().results_for_contacts == Campaign.ContactResults.PUBLISHED
