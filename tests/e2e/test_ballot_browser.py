"""A resident on a phone: open the invitation link, rate, submit, see the receipt."""
import pytest

from surveys.models import PendingBallot
from surveys.services import invitations_issue
from tests.surveys.conftest import open_campaign  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def delegates_link(open_campaign, live_server):  # noqa: F811
    group = open_campaign.groups.get(key="delegates")
    code = invitations_issue(group=group, count=1, actor="tests")[0]
    return group, f"{live_server.url}/b/{code}/"


def _answer_profile(page):
    page.click("label.option:has(input[name='q:district'][value='D1'])")
    page.click("label.option:has(input[name='q:age'][value='35-59'])")
    page.click("label.option:has(input[name='q:sex'][value='F'])")


def _rate_all(page, group, value="4"):
    for code in group.units.values_list("code", flat=True):
        page.click(f"label.option:has(input[name='u:{code}:overall'][value='{value}'])")


def test_vote_on_a_phone_then_the_link_is_used(phone, delegates_link):
    group, link = delegates_link
    phone.goto(link)
    assert "测试评议" in phone.locator("h1").inner_text()
    # The page fits a 360 px screen: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    _answer_profile(phone)
    _rate_all(phone, group)
    first = group.units.order_by("code").first().code
    phone.click(f"#unit-{first} summary")
    phone.click(f"label.option:has(input[name='u:{first}:attitude'][value='5'])")
    phone.fill("textarea[name='q:comments']", "办事效率有提高。")
    phone.click("button.submit")

    phone.wait_for_selector(".receipt-number")
    assert "已收到" in phone.locator("h1").inner_text()
    assert PendingBallot.objects.count() == 1

    phone.goto(link)
    assert "已被使用" in phone.locator(".reason").inner_text()


def test_a_missing_required_answer_is_named_and_the_rest_is_kept(phone, delegates_link):
    group, link = delegates_link
    units = list(group.units.order_by("code"))
    phone.goto(link)
    _answer_profile(phone)
    for unit in units[:-1]:
        phone.click(f"label.option:has(input[name='u:{unit.code}:overall'][value='3'])")
    phone.click(f"#unit-{units[-1].code} summary")
    phone.click(f"label.option:has(input[name='u:{units[-1].code}:attitude'][value='2'])")
    phone.click("button.submit")

    summary = phone.locator(".error-summary")
    summary.wait_for()
    assert units[-1].name in summary.inner_text() and "总体满意度" in summary.inner_text()
    assert phone.locator(f"#unit-{units[-1].code} .error").inner_text() == f"请对“{units[-1].name}”回答此问题。"
    # Answers already given are still selected.
    assert phone.is_checked(f"input[name='u:{units[0].code}:overall'][value='3']")
    assert phone.is_checked("input[name='q:age'][value='35-59']")
    assert phone.is_checked(f"input[name='u:{units[-1].code}:attitude'][value='2']")
    assert PendingBallot.objects.count() == 0

    phone.click(f"label.option:has(input[name='u:{units[-1].code}:overall'][value='3'])")
    phone.click("button.submit")
    phone.wait_for_selector(".receipt-number")
    assert PendingBallot.objects.count() == 1
