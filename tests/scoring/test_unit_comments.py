"""Comments reach the unit they are about: a comment written about one unit is shown on that unit's
page only, never to the contact of another unit the same ballot rated; the general comment only
to staff (in the export with comments)."""
import pytest
from django.urls import reverse

from scoring.services import score_run_create
from surveys.ballot_export import write_export
from surveys.ballots import AnswerIn, BallotBatch, ballot_sheet, validate_answers
from surveys.models import Campaign, Unit, UnitContact
from surveys.services import campaign_set_status

ABOUT_OTHER = "乙街道办事处有人收受贿赂"
GENERAL = "总体上希望简化流程"


@pytest.fixture
def commented(open_campaign):
    """One more resident's ballot: both street offices rated, a comment about the second one only."""
    residents = open_campaign.groups.get(key="residents")
    own, other = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE, evaluator_groups=residents).order_by("code")[:2]
    sheet = ballot_sheet(residents)
    answers = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "35-59"), AnswerIn("sex", None, "F"),
               AnswerIn("overall", own.code, "4"), AnswerIn("overall", other.code, "2"),
               AnswerIn("unit_comment", other.code, ABOUT_OTHER), AnswerIn("comments", None, GENERAL)]
    batch = BallotBatch(sheet)
    batch.add(validate_answers(sheet, answers), channel="online", received_on=open_campaign.created_at.date())
    batch.write()
    campaign_set_status(campaign=open_campaign, status=Campaign.Status.CLOSED, actor="tests")
    score_run_create(campaign=open_campaign, actor="tests")
    # Contacts read the scored run at once (by default only once the notice is out).
    Campaign.objects.filter(pk=open_campaign.pk).update(results_for_contacts=Campaign.ContactResults.SCORED)
    return open_campaign, own, other


def unit_page(client, user, campaign, unit) -> str:
    client.force_login(user)
    response = client.get(reverse("scoring:unit", args=[campaign.slug, unit.code]))
    assert response.status_code == 200
    # The page does list comments, those written about this unit (the factory's "意见N").
    assert response.context["comments"] and all(c in response.content.decode() for c in response.context["comments"])
    return response.content.decode()


def test_a_comment_about_one_unit_is_not_shown_to_the_contact_of_another_it_was_rated_with(client, contact, commented):
    campaign, own, other = commented
    UnitContact.objects.create(user=contact, unit=own)
    body = unit_page(client, contact, campaign, own)
    assert ABOUT_OTHER not in body and GENERAL not in body


def test_the_unit_it_is_about_sees_it_but_not_the_general_comment(client, contact, commented):
    campaign, own, other = commented
    UnitContact.objects.create(user=contact, unit=other)
    body = unit_page(client, contact, campaign, other)
    assert ABOUT_OTHER in body and GENERAL not in body


def test_staff_read_the_general_comment_in_the_export_not_on_a_units_page(client, staff, commented, tmp_path):
    campaign, own, other = commented
    assert GENERAL not in unit_page(client, staff, campaign, own) + unit_page(client, staff, campaign, other)
    write_export(campaign.groups.get(key="residents"), tmp_path / "ballots.csv", with_comments=True)
    assert GENERAL in (tmp_path / "ballots.csv").read_text(encoding="utf-8-sig")
