"""The commitment pages and API: who sees and does what (public / contact of this unit / of another
unit / staff), and that a bad request changes nothing."""
import pytest
from django.contrib.auth.models import Group

from surveys.commitments import commitment_approve, commitment_create, commitment_submit
from surveys.models import AuditEvent, Campaign, Commitment, UnitContact
from surveys.roles import EVALUATION_STAFF
from surveys.services import campaign_set_status

from ..factories import CampaignFactory, UserFactory


@pytest.fixture
def world(db):
    campaign = CampaignFactory.ready(slug="promises-2026", title="承诺评议")
    offices = list(campaign.groups.get(key="residents").units.order_by("code"))
    users = {"outsider": UserFactory(username="outsider"), "contact": UserFactory(username="contact"),
             "other_contact": UserFactory(username="other"), "staff": UserFactory(username="staff")}
    UnitContact.objects.create(user=users["contact"], unit=offices[0])
    UnitContact.objects.create(user=users["other_contact"], unit=offices[1])
    users["staff"].groups.add(Group.objects.get_or_create(name=EVALUATION_STAFF)[0])
    return campaign, offices, users


def _signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _approved(campaign, unit, text):
    commitment = commitment_create(campaign=campaign, unit=unit, text=text, target="3个工作日", actor="tests")
    commitment_submit(commitment=commitment, actor="tests")
    return commitment_approve(commitment=commitment, actor="tests")


@pytest.mark.parametrize("who", [None, "outsider", "contact", "staff"])
def test_the_public_page_and_the_api_show_approved_commitments_once_open_to_everybody(client, world, who):
    campaign, offices, users = world
    kept = _approved(campaign, offices[0], "窗口等候不超过15分钟")
    commitment_create(campaign=campaign, unit=offices[1], text="尚未审核的承诺", actor="tests")
    _signed_in(client, users.get(who))
    assert client.get("/commitments/promises-2026/").status_code == 404        # a draft: nothing yet
    assert client.get("/api/v1/campaigns/promises-2026/commitments/").status_code == 404
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    page = client.get("/commitments/promises-2026/").content.decode()
    assert "窗口等候不超过15分钟" in page and "尚未审核的承诺" not in page and offices[0].name in page
    body = client.get("/api/v1/campaigns/promises-2026/commitments/").json()
    assert body == {"count": 1, "next": None, "results": [
        {"id": kept.pk, "unit": {"code": offices[0].code, "name": offices[0].name}, "text": kept.text,
         "target": "3个工作日", "due_on": None}]}
    assert client.get("/api/v1/campaigns/nope/commitments/").status_code == 404


def test_the_api_pages_by_one_hundred(client, world):
    campaign, offices, users = world
    organs = list(campaign.groups.get(key="delegates").units.all())
    for unit in [*offices, *organs]:
        for i in range(3):
            _approved(campaign, unit, f"{unit.code}承诺{i}")
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    from surveys import commitment_views
    commitment_views.CountNextPagination.page_size = 4
    try:
        first = client.get("/api/v1/campaigns/promises-2026/commitments/").json()
        second = client.get(first["next"]).json()
    finally:
        commitment_views.CountNextPagination.page_size = 100
    assert first["count"] == 15 and len(first["results"]) == 4 and "page=2" in first["next"]
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("outsider", 403), ("staff", 403), ("contact", 200)])
def test_only_unit_contacts_reach_the_entry_page(client, world, who, status):
    _campaign, _offices, users = world
    assert _signed_in(client, users.get(who)).get("/unit-commitments/").status_code == status


def test_a_contact_adds_and_submits_a_commitment_of_their_unit_but_not_of_another(client, world):
    campaign, offices, users = world
    client.force_login(users["contact"])
    page = client.get("/unit-commitments/").content.decode()
    assert offices[0].name in page and offices[1].name not in page
    added = client.post("/unit-commitments/", {"action": "add", "campaign": campaign.slug, "unit": offices[0].code,
                                               "text": "办结时限压缩至3个工作日", "target": "3日", "due_on": "2026-06-30"})
    assert added.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.unit, commitment.due_on.isoformat(), commitment.created_by) == (
        offices[0], "2026-06-30", users["contact"])
    assert client.post("/unit-commitments/", {"action": "submit", "commitment": commitment.pk}).status_code == 302
    assert Commitment.objects.get().status == Commitment.Status.SUBMITTED
    events = AuditEvent.objects.count()
    other = client.post("/unit-commitments/", {"action": "add", "campaign": campaign.slug, "unit": offices[1].code,
                                               "text": "别人的承诺"})
    assert other.status_code == 400 and Commitment.objects.count() == 1 and AuditEvent.objects.count() == events
    client.force_login(users["other_contact"])
    stolen = client.post("/unit-commitments/", {"action": "delete", "commitment": commitment.pk})
    assert stolen.status_code == 400 and Commitment.objects.filter(pk=commitment.pk).exists()


def test_a_bad_entry_is_refused_in_the_users_language_and_changes_nothing(client, world):
    campaign, offices, users = world
    client.force_login(users["contact"])
    response = client.post("/unit-commitments/", {"action": "add", "campaign": campaign.slug,
                                                  "unit": offices[0].code, "text": "长" * 501},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and Commitment.objects.count() == 0
    assert "500" in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("outsider", 403), ("contact", 403),
                                             ("other_contact", 403), ("staff", 200)])
def test_only_staff_reach_the_approval_page(client, world, who, status):
    _campaign, _offices, users = world
    assert _signed_in(client, users.get(who)).get("/staff/commitments/").status_code == status


def test_staff_approve_and_reject_with_a_reason_on_the_approval_page(client, world):
    campaign, offices, users = world
    first, second = (commitment_create(campaign=campaign, unit=offices[0], text=t, actor="tests") for t in ("甲", "乙"))
    for c in (first, second):
        commitment_submit(commitment=c, actor="tests")
    client.force_login(users["staff"])
    assert "甲" in client.get("/staff/commitments/").content.decode()
    assert client.post("/staff/commitments/", {"commitment": first.pk, "action": "approve"}).status_code == 302
    no_reason = client.post("/staff/commitments/", {"commitment": second.pk, "action": "reject"})
    assert no_reason.status_code == 400
    assert client.post("/staff/commitments/", {"commitment": second.pk, "action": "reject",
                                               "reason": "不可衡量"}).status_code == 302
    assert dict(Commitment.objects.values_list("text", "status")) == {"甲": "approved", "乙": "rejected"}
    assert AuditEvent.objects.filter(action="commitment.reject", actor_label="staff").exists()


def test_the_api_is_documented_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/campaigns/{slug}/commitments/"]["get"]
    assert set(operation["responses"]) == {"200", "404"}
    page = schema["components"]["schemas"]["PaginatedCommitmentOutList"]
    assert set(page["properties"]) == set(page["required"]) == {"count", "next", "results"}
    assert set(schema["components"]["schemas"]["CommitmentOut"]["properties"]) == {"id", "unit", "text", "target",
                                                                                   "due_on"}
    assert set(schema["components"]["schemas"]["UnitRef"]["properties"]) == {"code", "name"}
