"""Staff in a real browser: Chinese pages, the language switch, opening a campaign."""
import pytest

from surveys.models import AuditEvent, Campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_switches_between_chinese_and_english(live_server, phone):
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert "民评" in phone.locator("h1").inner_text()

    phone.select_option("#language-select", "en")
    phone.click(".language-switch button")
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Minping" in phone.locator("h1").inner_text()


def test_staff_log_in_and_open_a_campaign_with_the_admin_action(live_server, phone, staff, campaign):
    phone.goto(live_server.url + "/admin/")
    phone.fill("#id_username", "staff")
    phone.fill("#id_password", "pw-for-tests")
    phone.click("input[type=submit]")
    phone.goto(live_server.url + "/admin/surveys/campaign/")
    assert "评议活动" in phone.content()

    phone.check(f"input[name=_selected_action][value='{campaign.pk}']")
    phone.select_option("select[name=action]", "open_campaigns")
    phone.click("button[name=index]")
    phone.wait_for_selector(".messagelist .success")
    assert "已变更" in phone.locator(".messagelist").inner_text()

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN
    assert AuditEvent.objects.filter(action="campaign.status", actor=staff).exists()
