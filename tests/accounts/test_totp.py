"""The TOTP second factor for staff (django-otp), driven with real codes from django_otp.oath.totp."""
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from surveys.models import AuditEvent
from tests.test_settings import STRONG_KEY, _manage

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="totp", confirmed=True)


def test_enrolment_shows_a_qr_code_and_a_real_code_confirms_it(client, staff_member):
    client.force_login(staff_member)
    page = client.get("/accounts/totp/")
    body = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in body and "扫描此二维码" in body
    device = TOTPDevice.objects.get(user=staff_member, confirmed=False)
    shown = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', body).group(1)
    assert f"secret={shown.replace(' ', '')}&" in device.config_url   # the typed secret is the scanned one
    assert f'class="totp-secret">{shown}<' in client.get("/accounts/totp/").content.decode()   # a reload keeps it
    response = client.post("/accounts/totp/", {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and AuditEvent.objects.filter(action="auth.totp_enrolled", actor=staff_member).exists()


def test_a_wrong_code_does_not_confirm_the_enrolment(client, staff_member):
    client.force_login(staff_member)
    client.get("/accounts/totp/")
    device = TOTPDevice.objects.get(user=staff_member)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/totp/", {"token": wrong})
    assert page.status_code == 400 and "验证码不正确" in page.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not AuditEvent.objects.filter(action="auth.totp_enrolled").exists()


def test_unit_contacts_have_no_enrolment_page(client, unit_contact):
    client.force_login(unit_contact)
    assert client.get("/accounts/totp/").status_code == 403


def test_after_the_password_an_enrolled_member_of_staff_must_give_a_code(client, staff_member):
    device = enrolled(staff_member)
    assert sign_in(client, "staff", next="/results/")["Location"] == "/results/"
    held = client.get("/results/")
    assert held.status_code == 302 and held["Location"] == "/accounts/totp/verify/?next=%2Fresults%2F"
    assert client.get("/admin/").status_code == 302                      # the admin too
    assert client.get("/api/v1/ping/").status_code == 403                # the API answers in JSON
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/totp/verify/", {"token": wrong, "next": "/results/"})
    assert page.status_code == 400 and AuditEvent.objects.filter(action="auth.totp_failed").count() == 1
    device.refresh_from_db()
    device.throttle_reset()    # one wrong code delays the next try (django-otp's throttling); a test does not wait
    response = client.post("/accounts/totp/verify/", {"token": code(device), "next": "/results/"})
    assert response.status_code == 302 and response["Location"] == "/results/"
    assert client.get("/results/").status_code == 200


def test_a_code_is_accepted_only_once(client, staff_member):
    device = enrolled(staff_member)
    sign_in(client, "staff")
    token = code(device)
    assert client.post("/accounts/totp/verify/", {"token": token})["Location"] == "/accounts/start/"
    client.post("/accounts/logout/")
    sign_in(client, "staff")
    device.refresh_from_db()
    device.throttle_reset()
    assert client.post("/accounts/totp/verify/", {"token": token}).status_code == 400


def test_a_second_factor_cannot_be_skipped_by_going_elsewhere(client, staff_member):
    enrolled(staff_member)
    sign_in(client, "staff")
    for url in ("/results/", "/jobs/", "/notices/staff/", "/accounts/password/", "/accounts/start/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/totp/verify/"), url
    assert client.get("/").status_code == 302       # even the public pages wait for the code


def test_control_without_the_middleware_the_password_alone_reaches_staff_pages(client, staff_member):
    """What the test above protects: without the enforcing middleware the code is never asked for."""
    enrolled(staff_member)
    without = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.SecondFactorMiddleware"]
    with override_settings(MIDDLEWARE=without):
        sign_in(client, "staff")
        assert client.get("/results/").status_code == 200


@override_settings(MINPING_STAFF_TOTP_REQUIRED=True)
def test_when_required_staff_without_an_authenticator_must_set_one_up(client, staff_member, unit_contact):
    sign_in(client, "staff")
    held = client.get("/results/")
    assert held["Location"].startswith("/accounts/totp/verify/")
    assert client.get(held["Location"])["Location"] == "/accounts/totp/"
    client.get("/accounts/totp/")
    device = TOTPDevice.objects.get(user=staff_member)
    client.post("/accounts/totp/", {"token": code(device)})
    assert client.get("/results/").status_code == 200
    # Unit contacts are not staff: the requirement leaves them alone.
    contact_client = client.__class__()
    sign_in(contact_client, "li.contact")
    assert contact_client.get("/results/").status_code == 200


def test_off_by_default_and_on_in_production():
    assert settings.MINPING_STAFF_TOTP_REQUIRED is False
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.MINPING_STAFF_TOTP_REQUIRED)",
                     DJANGO_SETTINGS_MODULE="minping.settings.production", SECRET_KEY=STRONG_KEY,
                     ALLOWED_HOSTS="minping.example.org")
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "True", result.stderr
