"""Sign-in outside the admin for everyone with an account: each role lands on its own pages, the
sign-in is throttled and audited like the admin's, sign-out is a POST, passwords change audited."""
import pytest
from django.conf import settings
from django.test import override_settings

from surveys.models import AuditEvent
from surveys.signin import LOCKED_OUT, SIGN_IN_FAILED, SIGNED_IN
from tests.factories import UserFactory

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_is_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in chinese and "<h1>登录</h1>" in chinese and "凭邀请函上的邀请码" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english and "<h1>Sign in</h1>" in english


def test_a_unit_contact_lands_on_their_units(client, unit_contact):
    response = sign_in(client, "li.contact")
    assert response.status_code == 302 and response["Location"] == "/accounts/start/"
    start = client.get("/accounts/start/")
    assert start.status_code == 302 and start["Location"] == "/results/"
    assert "李家街道办事处" in client.get("/results/").content.decode()


def test_staff_land_on_the_staff_pages(client, staff_member):
    sign_in(client, "staff")
    assert client.get("/accounts/start/")["Location"] == "/staff/"


def test_an_account_without_a_role_is_told_so(client):
    UserFactory(username="nobody", password=PASSWORD)
    sign_in(client, "nobody")
    page = client.get("/accounts/start/")
    assert page.status_code == 200 and "您的账号尚未分配角色" in page.content.decode()


def test_a_safe_next_address_is_followed_and_a_foreign_one_is_not(client, unit_contact):
    assert sign_in(client, "li.contact", next="/notices/")["Location"] == "/notices/"
    client.post("/accounts/logout/")
    assert sign_in(client, "li.contact", next="https://evil.example/")["Location"] == "/accounts/start/"


def test_a_wrong_password_shows_the_form_again_with_its_error_in_chinese(client, unit_contact):
    page = sign_in(client, "li.contact", "wrong")
    assert page.status_code == 200 and "请输入一个正确的" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_page_names_the_signed_in_person_and_offers_sign_out(client, unit_contact):
    sign_in(client, "li.contact")
    for url in ("/", "/notices/", "/results/", "/b/"):
        body = client.get(url).content.decode()
        assert "已登录：li.contact" in body and 'action="/accounts/logout/"' in body, url
        assert 'class="brand" href="/"' in body, url


def test_anonymous_pages_offer_sign_in(client):
    body = client.get("/notices/").content.decode()
    assert 'href="/accounts/login/"' in body and 'action="/accounts/logout/"' not in body


def test_sign_out_is_a_post_and_leads_home(client, unit_contact):
    sign_in(client, "li.contact")
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


# --- Throttling and audit (django-axes, surveys.signin) cover this sign-in too -----------------

def test_signing_in_here_is_audited_with_the_address(client, unit_contact):
    sign_in(client, "li.contact", address="198.51.100.7")
    event = AuditEvent.objects.get(action=SIGNED_IN)
    assert event.actor == unit_contact and event.data == {"address": "198.51.100.7"}


def test_an_account_is_locked_here_after_the_limit_and_the_page_says_until_when(client, unit_contact):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [sign_in(client, "li.contact", "wrong", address=f"198.51.100.{i}").status_code for i in range(limit)]
    assert statuses[:limit - 1] == [200] * (limit - 1)
    locked = sign_in(client, "li.contact", PASSWORD, address="198.51.100.200")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    body = locked.content.decode()
    assert "登录失败次数过多" in body and "请在" in body and 'class="site-header"' in body
    assert "_auth_user_id" not in client.session and not AuditEvent.objects.filter(action=SIGNED_IN).exists()
    assert AuditEvent.objects.filter(action=SIGN_IN_FAILED, actor=unit_contact).count() >= limit
    assert AuditEvent.objects.filter(action=LOCKED_OUT, actor_label="li.contact").exists()


@override_settings(AXES_ENABLED=False)
def test_control_without_throttling_this_sign_in_lets_guessing_go_on(client, unit_contact):
    """The same guesses without django-axes: never refused, and the right password then works."""
    statuses = [sign_in(client, "li.contact", "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT * 2)]
    assert statuses == [200] * settings.AXES_FAILURE_LIMIT * 2
    assert sign_in(client, "li.contact").status_code == 302


# --- Password change ---------------------------------------------------------------------------

def test_a_contact_changes_their_password_and_stays_signed_in(client, unit_contact):
    sign_in(client, "li.contact")
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "a new long phrase 42",
                                                   "new_password2": "a new long phrase 42"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    unit_contact.refresh_from_db()
    assert unit_contact.check_password("a new long phrase 42")
    assert client.get("/accounts/start/").status_code == 302   # the session survived the change
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=unit_contact).count() == 1


def test_a_wrong_old_password_changes_nothing(client, unit_contact):
    sign_in(client, "li.contact")
    page = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "a new long phrase 42",
                                               "new_password2": "a new long phrase 42"})
    assert page.status_code == 200 and "旧密码不正确" in page.content.decode()
    unit_contact.refresh_from_db()
    assert unit_contact.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()
