"""The public page (filters, rates with n, overdue marked), a case's pages by actor, and the API:
public GET with the agreed shape, POST only with an evaluation staff's token, 400 naming the field."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rectification.models import RectificationCase
from rectification.services import case_open_by_staff, case_report, case_review, cases_mark_overdue
from surveys.models import UnitContact
from surveys.roles import UNIT_CONTACTS
from tests.factories import UserFactory

from .conftest import closed_campaign, organs

pytestmark = pytest.mark.django_db
Status = RectificationCase.Status
OPENED = dt.date(2026, 9, 29)


@pytest.fixture
def world(staff):
    """Two campaigns; in the first a verified case (on time), an overdue one and a rejected one."""
    first, second = closed_campaign(), closed_campaign()
    a, b, c = organs(first, 3)
    verified = case_open_by_staff(campaign=first, unit=a, problem="甲问题", actor=staff, today=OPENED)
    for kind in ("plan", "measures", "report"):
        case_report(case=verified, kind=kind, text=kind, actor=staff, today=dt.date(2026, 10, 20))
    case_review(case=verified, to=Status.VERIFIED, text="核实", actor=staff)
    late = case_open_by_staff(campaign=first, unit=b, problem="乙问题", actor=staff, today=OPENED)
    rejected = case_open_by_staff(campaign=first, unit=c, problem="丙问题", actor=staff, today=OPENED)
    case_review(case=rejected, to=Status.REJECTED, text="不予立项", actor=staff)
    cases_mark_overdue(today=dt.date(2026, 10, 27), actor="tests")
    other = case_open_by_staff(campaign=second, unit=organs(second, 1)[0], problem="丁问题", actor=staff,
                               today=OPENED)
    return {"first": first, "second": second, "verified": verified, "late": late, "rejected": rejected,
            "other": other}


def test_the_public_page_lists_filters_and_gives_the_rates_with_n(client, world):
    page = client.get("/rectification/", {"campaign": world["first"].slug}).content.decode()
    assert "甲问题" in page and "乙问题" in page and "丁问题" not in page
    # Completion: 1 verified of 2 not rejected; on time: 1 of 2 (the overdue case's deadline passed).
    assert page.count("50%") == 2 and "(n = 2)" in page
    assert 'class="overdue"' in page
    only_overdue = client.get("/rectification/", {"status": "overdue"}).content.decode()
    assert "乙问题" in only_overdue and "甲问题" not in only_overdue
    by_unit = client.get("/rectification/", {"unit": world["other"].unit.code}).content.decode()
    assert "丁问题" in by_unit and "甲问题" not in by_unit


def test_a_bad_filter_is_answered_with_the_field_and_no_crash(client, world):
    response = client.get("/rectification/", {"status": "nonsense"})
    assert response.status_code == 200 and "nonsense" in response.content.decode()


def test_contacts_act_on_their_own_units_cases_only(client, world):
    case = world["late"]
    own, other = UserFactory(username="own"), UserFactory(username="other")
    for user, unit in ((own, case.unit), (other, world["verified"].unit)):
        user.groups.add(Group.objects.get(name=UNIT_CONTACTS))
        UnitContact.objects.create(user=user, unit=unit)
    client.force_login(other)
    assert client.post(f"/rectification/{case.pk}/report/", {"kind": "plan", "text": "方案"}).status_code == 403
    assert "乙问题" not in client.get("/rectification/mine/").content.decode()
    client.force_login(own)
    assert "乙问题" in client.get("/rectification/mine/").content.decode()
    response = client.post(f"/rectification/{case.pk}/report/", {"kind": "plan", "text": "增设窗口"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.PLAN_SUBMITTED
    assert client.post(f"/rectification/{case.pk}/review/", {"to": "rejected", "text": "x"}).status_code == 403


def test_the_api_lists_public_fields_paginated(client, world):
    body = client.get(f"/api/v1/campaigns/{world['first'].slug}/rectifications/").json()
    assert body["count"] == 3 and body["next"] is None
    verified = RectificationCase.objects.get(pk=world["verified"].pk)
    row = next(r for r in body["results"] if r["id"] == verified.pk)
    assert row == {"id": verified.pk, "unit": {"code": verified.unit.code, "name": verified.unit.name},
                   "source": "staff", "status": "verified", "opened_on": "2026-09-29", "due_on": "2026-10-26",
                   "closed_on": verified.closed_on.isoformat()}
    assert client.get("/api/v1/campaigns/no-such/rectifications/").status_code == 404


def _token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_a_staff_token_opens_a_case_from_a_hotline_complaint(staff, world):
    url = f"/api/v1/campaigns/{world['second'].slug}/rectifications/"
    unit = world["other"].unit
    response = _token_client(staff).post(url, {"unit": unit.code, "problem": "热线反映：窗口推诿",
                                               "reference": "12345-0001"}, format="json")
    assert response.status_code == 201, response.content
    case = RectificationCase.objects.get(pk=response.json()["id"])
    assert (case.source, case.reference, case.unit) == ("hotline", "12345-0001", unit)


def test_the_post_names_the_bad_field_and_stores_nothing(staff, world):
    url = f"/api/v1/campaigns/{world['second'].slug}/rectifications/"
    before = RectificationCase.objects.count()
    api = _token_client(staff)
    missing = api.post(url, {"unit": world["other"].unit.code}, format="json")
    assert missing.status_code == 400 and "problem" in missing.json()
    unknown = api.post(url, {"unit": "NO-SUCH", "problem": "x"}, format="json")
    assert unknown.status_code == 400 and "unit" in unknown.json()
    assert RectificationCase.objects.count() == before


def test_the_post_needs_a_token_of_evaluation_staff(client, staff, contact, world):
    url = f"/api/v1/campaigns/{world['second'].slug}/rectifications/"
    complaint = {"unit": world["other"].unit.code, "problem": "x"}
    assert APIClient().post(url, complaint, format="json").status_code == 401
    assert _token_client(contact).post(url, complaint, format="json").status_code == 403
    session = APIClient()
    session.force_login(staff)   # a signed-in session is not a token
    assert session.post(url, complaint, format="json").status_code == 401
