"""The rectification pages in Chromium: no CSP violation, no axe-core problem (public list, a case,
the return visit; a contact's page with the report form)."""
import datetime as dt

import pytest

from rectification.services import case_open_by_staff
from surveys.models import Campaign, UnitContact
from surveys.services import campaign_set_status

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(campaign, staff):
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    return case_open_by_staff(campaign=campaign, unit=unit, problem="评议意见：窗口午休停办", actor=staff,
                              today=dt.date(2026, 9, 29))


def test_the_public_rectification_pages_pass_axe_and_the_policy(live_server, phone, case, axe_source):
    refused = []
    phone.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    for path in ("/rectification/", f"/rectification/{case.pk}/", "/rectification/visit/"):
        phone.goto(live_server.url + path)
        phone.wait_for_load_state()
        assert axe_problems(phone, axe_source) == [], path
    assert refused == []


def test_the_contacts_case_page_passes_axe(live_server, phone, case, contact, axe_source):
    UnitContact.objects.create(user=contact, unit=case.unit)
    contact.set_password("pw-for-tests")
    contact.save()
    phone.goto(live_server.url + "/accounts/login/?next=/rectification/mine/")   # a contact's sign-in, not the admin's
    phone.fill("#id_username", "contact")
    phone.fill("#id_password", "pw-for-tests")
    phone.click("form button.submit")
    phone.wait_for_url("**/rectification/mine/")
    phone.goto(live_server.url + f"/rectification/{case.pk}/")
    phone.wait_for_selector("textarea")
    assert axe_problems(phone, axe_source) == []
