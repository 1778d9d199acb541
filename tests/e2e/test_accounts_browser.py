"""Home, sign-in, start and error pages in a real browser: a contact finds the sign-in from the home
page and lands on their unit; axe-core finds nothing on these pages in either display."""
import pytest
from django.contrib.auth.models import Group

from surveys.models import UnitContact
from surveys.roles import UNIT_CONTACTS
from tests.factories import UnitFactory, UserFactory

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests"


@pytest.fixture
def unit_contact(db):
    user = UserFactory(username="li.contact")
    user.groups.add(Group.objects.get(name=UNIT_CONTACTS))
    UnitContact.objects.create(user=user, unit=UnitFactory(code="U-LI", name="李家街道办事处"))
    return user


def sign_in(page, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.sign-in-form button[type=submit]")


def test_a_contact_signs_in_from_the_home_page_and_sees_their_unit(live_server, screen, unit_contact):
    screen.goto(live_server.url + "/")
    screen.click(".account-links a[href='/accounts/login/']")
    screen.wait_for_url("**/accounts/login/")
    sign_in(screen, "li.contact")
    screen.wait_for_url("**/results/")
    assert "李家街道办事处" in screen.content()
    assert "已登录：li.contact" in screen.locator(".account-links").inner_text()
    screen.click(".account-links button[type=submit]")       # sign out
    screen.wait_for_url(live_server.url + "/")
    assert screen.locator(".account-links a[href='/accounts/login/']").count() == 1


def test_a_wrong_password_is_answered_in_the_page(live_server, phone, unit_contact):
    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("#id_username", "li.contact")
    phone.fill("#id_password", "wrong")
    phone.click("form.sign-in-form button[type=submit]")
    assert "请输入一个正确的" in phone.locator(".error-summary").inner_text()


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_axe_finds_nothing_on_the_home_sign_in_start_and_error_pages(live_server, screen, axe_source, elder):
    UserFactory(username="nobody")
    if elder:
        screen.context.add_cookies([{"name": "minping_display", "value": "elder", "url": live_server.url}])
    found = {}
    for name, path in (("home", "/"), ("sign-in", "/accounts/login/"), ("not found", "/no-such-page/")):
        screen.goto(live_server.url + path)
        found[name] = axe_problems(screen, axe_source, enhanced_contrast=elder)
    screen.goto(live_server.url + "/accounts/login/")
    sign_in(screen, "nobody")
    screen.wait_for_url("**/accounts/start/")                 # the start page of an account without a role
    found["start"] = axe_problems(screen, axe_source, enhanced_contrast=elder)
    screen.goto(live_server.url + "/accounts/password/")
    found["password"] = axe_problems(screen, axe_source, enhanced_contrast=elder)
    screen.goto(live_server.url + "/jobs/")                   # 403 for an account without a role
    found["forbidden"] = axe_problems(screen, axe_source, enhanced_contrast=elder)
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_staff_set_up_an_authenticator_and_are_asked_for_its_code_next_time(live_server, browser, staff, axe_source):
    """The enrolment page (QR code) and the second step, with real codes, each checked by axe-core."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def fresh_page():
        context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
        return context, context.new_page()

    context, page = fresh_page()
    page.goto(live_server.url + "/accounts/login/")
    sign_in(page, "staff")
    page.goto(live_server.url + "/accounts/totp/")
    assert page.locator("img.totp-qr").evaluate("img => img.naturalWidth") > 0
    assert axe_problems(page, axe_source) == []
    device = TOTPDevice.objects.get(user=staff)
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.click("form.sign-in-form button[type=submit]")
    page.wait_for_url("**/staff/")
    context.close()

    context, page = fresh_page()
    page.goto(live_server.url + "/accounts/login/?next=/jobs/")
    sign_in(page, "staff")
    page.wait_for_url("**/accounts/totp/verify/**")
    assert axe_problems(page, axe_source) == []
    page.fill("#id_token", f"{totp(device.bin_key, drift=1):06d}")   # the next step's code (tolerance 1)
    page.click("form.sign-in-form button[type=submit]")
    page.wait_for_url("**/jobs/")
    context.close()
