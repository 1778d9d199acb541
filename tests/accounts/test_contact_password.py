"""Evaluation staff reset a unit contact's password from the admin (the contact's page), audited;
never a staff account's."""
import pytest

from surveys.models import AuditEvent, UnitContact
from tests.factories import UnitFactory

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db
NEW = "tea garden 2026 spring"


def reset(client, contact_row, password=NEW):
    return client.post(f"/admin/surveys/unitcontact/{contact_row.pk}/password/",
                       {"new_password1": password, "new_password2": password}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_contacts_admin_page_links_to_the_reset(client, staff, unit_contact):
    client.force_login(staff)
    row = UnitContact.objects.get(user=unit_contact)
    page = client.get(f"/admin/surveys/unitcontact/{row.pk}/change/").content.decode()
    assert f'href="/admin/surveys/unitcontact/{row.pk}/password/"' in page and "重置密码" in page


def test_staff_reset_a_contacts_password_and_it_is_audited(client, staff, unit_contact):
    client.force_login(staff)
    row = UnitContact.objects.get(user=unit_contact)
    response = reset(client, row)
    assert response.status_code == 302 and response["Location"] == f"/admin/surveys/unitcontact/{row.pk}/change/"
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.actor == staff and event.object_id == str(unit_contact.pk) and event.data == {"unit": "U-LI"}
    client.logout()
    assert sign_in(client, "li.contact", PASSWORD).status_code == 200   # the old one no longer works
    assert sign_in(client, "li.contact", NEW).status_code == 302


def test_a_weak_password_is_refused_and_nothing_changes(client, staff, unit_contact):
    client.force_login(staff)
    page = reset(client, UnitContact.objects.get(user=unit_contact), "12345678")
    assert page.status_code == 200 and "这个密码太常见了" in page.content.decode()
    unit_contact.refresh_from_db()
    assert unit_contact.check_password(PASSWORD) and not AuditEvent.objects.filter(action="auth.password_reset").exists()


def test_a_staff_account_tied_to_a_unit_cannot_be_reset_here(client, staff):
    """Otherwise one member of staff could take over another's account through a contact row."""
    other = UnitContact.objects.create(user=staff.__class__.objects.create_user("colleague", is_staff=True),
                                       unit=UnitFactory())
    other.user.set_password(PASSWORD)
    other.user.save()
    client.force_login(staff)
    page = reset(client, other)
    assert page.status_code == 200 and "此处只能重置单位联系人的密码" in page.content.decode()
    other.user.refresh_from_db()
    assert other.user.check_password(PASSWORD) and not AuditEvent.objects.filter(action="auth.password_reset").exists()


def test_control_without_the_guard_a_staff_password_would_be_reset(client, staff, monkeypatch):
    """The guard is what stops it: with the staff check removed, the colleague's password changes."""
    monkeypatch.setattr("accounts.services.is_staff_member", lambda user: False)
    colleague = staff.__class__.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    row = UnitContact.objects.create(user=colleague, unit=UnitFactory())
    client.force_login(staff)
    assert reset(client, row).status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password(NEW)


def test_a_unit_contact_cannot_reset_anyone(client, unit_contact):
    client.force_login(unit_contact)
    response = reset(client, UnitContact.objects.get(user=unit_contact))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    unit_contact.refresh_from_db()
    assert unit_contact.check_password(PASSWORD)
