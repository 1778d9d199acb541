"""Sign-in: throttled per account and per address (django-axes), every attempt audited; idle sessions end."""
import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from surveys.models import AuditEvent
from surveys.signin import LOCKED_OUT, SIGN_IN_FAILED, SIGNED_IN

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery"


@pytest.fixture
def staff_user(staff):
    staff.set_password(PASSWORD)
    staff.save()
    return staff


def sign_in(client, username, password, address="198.51.100.1"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="zh-hans")


def fail(client, times, username="staff", address="198.51.100.1"):
    return [sign_in(client, username, "wrong", address).status_code for _ in range(times)]


def test_right_password_signs_in_and_is_audited(client, staff_user):
    assert sign_in(client, "staff", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action=SIGNED_IN)
    assert event.actor == staff_user and event.data == {"address": "198.51.100.1"}


def test_an_account_is_locked_after_the_limit_even_from_many_addresses(client, staff_user):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [sign_in(client, "staff", "wrong", f"198.51.100.{i}").status_code for i in range(limit)]
    assert statuses[:limit - 1] == [200] * (limit - 1)  # the form again, with its error
    locked = sign_in(client, "staff", PASSWORD, "198.51.100.200")
    assert locked.status_code == 429 and "登录".encode() in locked.content
    assert not AuditEvent.objects.filter(action=SIGNED_IN).exists()
    failures = AuditEvent.objects.filter(action=SIGN_IN_FAILED)
    assert failures.count() >= limit and {e.object_id for e in failures} == {str(staff_user.pk)}
    assert AuditEvent.objects.filter(action=LOCKED_OUT, actor_label="staff").exists()


def test_an_address_is_locked_after_the_limit_even_across_accounts(client, staff_user):
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{i}", "wrong", "203.0.113.66")
    assert sign_in(client, "staff", PASSWORD, "203.0.113.66").status_code == 429
    # The account itself is not locked by someone else's guessing from elsewhere.
    assert sign_in(client, "staff", PASSWORD, "198.51.100.1").status_code == 302
    unknown = AuditEvent.objects.filter(action=SIGN_IN_FAILED, actor_label="guess0").get()
    assert unknown.actor is None and unknown.object_id == "" and unknown.data == {"address": "203.0.113.66"}


@override_settings(AXES_ENABLED=False)
def test_control_without_throttling_guessing_goes_on(client, staff_user):
    """The probe's finding: wrong passwords without end, then the right one works."""
    assert fail(client, settings.AXES_FAILURE_LIMIT * 3) == [200] * settings.AXES_FAILURE_LIMIT * 3
    assert sign_in(client, "staff", PASSWORD).status_code == 302


@override_settings(MINPING_TRUSTED_PROXIES=1)
def test_behind_the_proxy_the_lock_is_per_forwarded_address(client, staff_user):
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": f"guess{i}", "password": "x"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert client.post(LOGIN, {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
                       HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    # Another citizen behind the same proxy is not locked out.
    assert client.post(LOGIN, {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
                       HTTP_X_FORWARDED_FOR="203.0.113.67").status_code == 302


class TestIdleSessions:
    def test_each_request_moves_the_expiry_an_hour_on(self, client, staff_user):
        assert settings.SESSION_COOKIE_AGE == 3600
        sign_in(client, "staff", PASSWORD)
        session = Session.objects.get()
        Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
        assert client.get("/admin/").status_code == 200
        left = Session.objects.get(pk=session.pk).expire_date - timezone.now()
        assert dt.timedelta(minutes=59) < left <= dt.timedelta(hours=1)

    def test_after_an_idle_hour_the_session_is_over(self, client, staff_user):
        sign_in(client, "staff", PASSWORD)
        Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
