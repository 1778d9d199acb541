"""The commitment pages in a real browser: no Content-Security-Policy violation and nothing axe-core
finds, on the public list, the contact's entry page, the staff approval page and a ballot that asks
about commitments."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from surveys.commitments import commitment_approve, commitment_create, commitment_submit
from surveys.models import Campaign, UnitContact
from surveys.roles import EVALUATION_STAFF
from surveys.services import campaign_set_status, invitations_issue
from tests.factories import CampaignFactory, UserFactory

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _session(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_the_commitment_pages_pass_the_policy_and_axe(live_server, phone, axe_source):
    violations = []
    phone.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    opened = CampaignFactory.ready(slug="open-promises", title="已开始的评议")
    office = opened.groups.get(key="residents").units.order_by("code").first()
    kept = commitment_create(campaign=opened, unit=office, text="窗口等候不超过15分钟", target="15分钟", actor="tests")
    commitment_submit(commitment=kept, actor="tests")
    commitment_approve(commitment=kept, actor="tests")
    campaign_set_status(campaign=opened, status=Campaign.Status.OPEN, actor="tests")
    code, = invitations_issue(group=opened.groups.get(key="residents"), count=1, actor="tests")
    draft = CampaignFactory(slug="draft-promises", title="筹备中的评议", questionnaire=opened.questionnaire)
    draft.groups.create(key="residents", name="居民", weight=1).units.set([office])
    entered = commitment_create(campaign=draft, unit=office, text="办结时限压缩至3个工作日", actor="tests")
    commitment_submit(commitment=entered, actor="tests")
    commitment_create(campaign=draft, unit=office, text="草稿中的承诺", actor="tests")
    contact, staff = UserFactory(username="contact"), UserFactory(username="staff")
    UnitContact.objects.create(user=contact, unit=office)
    staff.groups.add(Group.objects.get_or_create(name=EVALUATION_STAFF)[0])

    found = {}
    for name, user, path, text in (("public", None, "/commitments/open-promises/", "窗口等候不超过15分钟"),
                                   ("ballot", None, f"/b/{code}/", "窗口等候不超过15分钟"),
                                   ("contact", contact, "/unit-commitments/", "草稿中的承诺"),
                                   ("staff", staff, "/staff/commitments/", "办结时限压缩至3个工作日")):
        if user is not None:
            _session(phone, live_server, user)
        phone.goto(live_server.url + path)
        assert text in phone.content(), name
        problems = axe_problems(phone, axe_source)
        if problems:
            found[name] = problems
    assert found == {} and violations == []
