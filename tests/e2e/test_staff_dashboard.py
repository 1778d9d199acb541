"""Staff run a campaign from the browser: the dashboard's figures move when a ballot is cast (no
reload), the campaign is closed and scored from its buttons, the notice previewed (watermark
visible) and published after a confirmation; axe-core finds nothing on the new pages.

`test_the_whole_flow_from_the_home_page` is the flow of issue 13 as it runs once the other
branches of this session are merged: the home page, the sign-in pages (/accounts/…) and the HTML
results page of a notice (/notices/<id>/results/) come from them.
"""
import re

import pytest
from playwright.sync_api import expect

from publicity.models import Notice
from surveys.models import Campaign
from surveys.services import invitations_issue
from tests.scoring.factories import scored_campaign_data
from tests.staff.conftest import cast_online

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_campaign(db, settings):
    settings.MINPING_DASHBOARD_REFRESH_SECONDS = 1   # the page's own timer, not a reload by the test
    return scored_campaign_data()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check_axe(page, axe_source, found: dict) -> None:
    problems = axe_problems(page, axe_source)
    if problems:
        found[page.url] = problems


def _cast_a_delegate_ballot(campaign: Campaign) -> None:
    delegates = campaign.groups.get(key="delegates")
    code = invitations_issue(group=delegates, count=1, actor="tests")[0]
    cast_online(delegates, code, list(delegates.units.order_by("code"))[:2])


def _dashboard_to_published_notice(page, campaign: Campaign, axe_source, found: dict) -> Notice:
    """From the staff start page: watch a ballot arrive, close, score, preview, publish."""
    page.get_by_role("link", name=campaign.title).first.click()
    expect(page.locator("h1")).to_have_text(campaign.title)
    _check_axe(page, axe_source, found)
    total = int(page.locator(".total").inner_text())
    expect(page.locator(".pending")).to_have_text("0")

    _cast_a_delegate_ballot(campaign)
    # The page refreshes its figures itself, every second here: room for a slow CI machine.
    expect(page.locator(".total")).to_have_text(str(total + 1), timeout=15_000)
    expect(page.locator(".pending")).to_have_text("1", timeout=15_000)
    expect(page.locator('tr[data-group="delegates"] .ballots')).not_to_have_text("0")

    page.get_by_role("button", name="结束评议…").click()
    expect(page.locator(".consequence")).to_contain_text("关闭后居民将无法再投票")
    _check_axe(page, axe_source, found)
    page.get_by_role("button", name="确认：结束评议").click()
    expect(page.locator(".status")).to_have_text("已结束")

    page.get_by_role("button", name="计算评议结果…").click()
    expect(page.locator(".consequence")).to_contain_text("不能再重新开放")
    page.get_by_role("button", name="确认：计算评议结果").click()
    expect(page.locator(".job-outcome")).to_be_visible()
    page.go_back()
    page.go_back()
    page.reload()
    expect(page.locator(".status")).to_have_text("已评分")

    page.get_by_role("link", name="发布公示").click()
    title = page.locator("#id_title")
    expect(title).to_have_value(f"关于{campaign.title}结果的公示")
    _check_axe(page, axe_source, found)
    title.fill(f"关于{campaign.title}结果的公示（网页发布）")
    page.get_by_role("button", name="在浏览器中预览").click()
    mark = page.locator(".preview-watermark")
    expect(mark).to_be_visible()
    expect(mark).to_have_text("预览 — 未发布")
    expect(page.locator("h1").first).to_have_text(f"关于{campaign.title}结果的公示（网页发布）")
    page.go_back()

    page.get_by_role("button", name="发布…").click()
    expect(page.locator("h2", has_text="发布后无法撤销")).to_be_visible()
    expect(page.locator(".public-preview")).to_contain_text("（网页发布）")
    _check_axe(page, axe_source, found)
    assert not Notice.objects.exists()
    page.get_by_role("button", name="立即发布公示").click()
    expect(page.locator(".job-outcome")).to_contain_text("SHA-256")
    page.get_by_role("link", name="查看结果").click()
    notice = Notice.objects.get()
    expect(page).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    assert notice.title == f"关于{campaign.title}结果的公示（网页发布）"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLICIZED
    return notice


def test_staff_run_a_campaign_from_the_dashboard_to_the_published_notice(live_server, desktop, staff,
                                                                         open_campaign, axe_source):
    page = desktop
    refused = []   # what Chromium refuses under the Content-Security-Policy (it logs each one)
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(live_server.url + "/accounts/login/?next=/staff/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pw-for-tests")
    page.locator("form:has(#id_username) [type=submit]").click()
    expect(page.locator("h1")).to_have_text("工作人员专区")
    found: dict = {}
    _check_axe(page, axe_source, found)
    _dashboard_to_published_notice(page, open_campaign, axe_source, found)
    assert found == {} and refused == []


def test_the_dashboard_works_without_javascript(browser, live_server, staff, open_campaign):
    """No script: the figures as loaded, the buttons' confirmation pages, the move itself."""
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/?next=/staff/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pw-for-tests")
    page.locator("form:has(#id_username) [type=submit]").click()
    page.goto(live_server.url + f"/staff/campaigns/{open_campaign.slug}/")
    expect(page.locator(".js-only")).to_be_hidden()
    page.get_by_role("button", name="结束评议…").click()
    page.get_by_role("button", name="确认：结束评议").click()
    expect(page.locator(".status")).to_have_text("已结束")
    context.close()


def test_the_whole_flow_from_the_home_page(live_server, desktop, browser, staff, open_campaign, axe_source):
    page = desktop
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("登录")).first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pw-for-tests")
    page.locator("form:has(#id_username) [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))   # /accounts/start/ sends staff here
    found: dict = {}
    notice = _dashboard_to_published_notice(page, open_campaign, axe_source, found)
    assert found == {}

    # A member of the public, from the home page, by links only.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    public = context.new_page()
    public.goto(live_server.url + "/")
    public.locator(f'a[href="/notices/{notice.pk}/"], a[href="/notices/"]').first.click()
    if not re.search(rf"/notices/{notice.pk}/$", public.url):
        public.locator(f'a[href="/notices/{notice.pk}/"]').first.click()
    public.locator(f'a[href="/notices/{notice.pk}/results/"]').first.click()
    expect(public).to_have_url(re.compile(rf"/notices/{notice.pk}/results/$"))
    unit = open_campaign.groups.get(key="residents").units.order_by("code").first()
    expect(public.locator("table").first).to_contain_text(unit.name)
    context.close()
