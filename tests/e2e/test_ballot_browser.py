"""The ballot in a real browser, as residents, the elderly and delegates meet it (phone and desktop)."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from publicity.services import notice_publish
from surveys.models import PendingBallot, Unit
from surveys.services import invitations_issue
from tests.publicity.factories import scored_campaign
from tests.surveys.conftest import by_residence, open_campaign, residents  # noqa: F401  (fixtures)

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def delegates_link(open_campaign, live_server):  # noqa: F811
    group = open_campaign.groups.get(key="delegates")
    code = invitations_issue(group=group, count=1, actor="tests")[0]
    return group, f"{live_server.url}/b/{code}/"


@pytest.fixture
def residents_link(by_residence, live_server):  # noqa: F811
    """A resident's invitation; the residents rate their street office and community only."""
    by_residence.units.remove(Unit.objects.get(code="W-1"))
    code = invitations_issue(group=by_residence, count=1, actor="tests")[0]
    return by_residence, f"{live_server.url}/b/{code}/"


def _answer_profile(page):
    page.click("label.option:has(input[name='q:district'][value='D1'])")
    page.click("label.option:has(input[name='q:age'][value='35-59'])")
    page.click("label.option:has(input[name='q:sex'][value='F'])")


def _rate_all(page, group, value="4"):
    for code in group.units.values_list("code", flat=True):
        page.click(f"label.option:has(input[name='u:{code}:overall'][value='{value}'])")


def _review_and_confirm(page):
    page.click("#review-button")
    page.wait_for_selector("#review-panel:not([hidden])")
    page.click("#review-confirm")
    page.wait_for_selector(".receipt-number")


def _progress(page) -> str:
    return page.locator("#progress .rated").inner_text()


def test_vote_review_confirm_then_reload_and_back_show_the_receipt(screen, delegates_link):
    group, link = delegates_link
    screen.goto(link)
    assert "测试评议" in screen.locator("h1").inner_text()
    width = screen.viewport_size["width"]
    assert screen.evaluate("document.documentElement.scrollWidth") <= width   # nothing wider than the screen
    _answer_profile(screen)
    _rate_all(screen, group)
    assert _progress(screen) == str(group.units.count())
    first = group.units.order_by("code").first().code
    screen.click(f"#unit-{first} summary")
    screen.click(f"label.option:has(input[name='u:{first}:attitude'][value='5'])")
    screen.fill("textarea[name='q:comments']", "办事效率有提高。")

    screen.click("#review-button")
    panel = screen.locator("#review-panel")
    panel.wait_for()
    n = group.units.count()
    assert f"您评价了 {n} / {n} 个单位" in panel.inner_text() and "返回修改" in panel.inner_text()
    assert PendingBallot.objects.count() == 0   # the review spends nothing
    screen.click("#review-back")
    assert screen.is_visible("#ballot-form")
    _review_and_confirm(screen)

    assert "已收到" in screen.locator("h1").inner_text() and screen.url.endswith("/receipt/")
    number = screen.locator(".receipt-number").inner_text()
    screen.reload()
    assert screen.locator(".receipt-number").inner_text() == number
    screen.go_back()   # to the ballot: this browser is shown its receipt, not "already used"
    screen.wait_for_selector(".receipt-number")
    assert PendingBallot.objects.count() == 1
    # Nobody else can reopen the code.
    other = screen.context.browser.new_context(locale="zh-CN")
    page = other.new_page()
    page.goto(link)
    assert "已被使用" in page.locator(".reason").inner_text()
    other.close()


def test_enter_never_submits(screen, delegates_link):
    group, link = delegates_link
    screen.goto(link)
    _answer_profile(screen)
    first = group.units.order_by("code").first().code
    screen.click(f"label.option:has(input[name='u:{first}:overall'][value='4'])")
    screen.focus(f"input[name='u:{first}:overall'][value='4']")
    screen.keyboard.press("Enter")
    screen.focus("input[name='q:recommend']")
    screen.keyboard.type("8")
    screen.keyboard.press("Enter")
    screen.wait_for_timeout(300)
    assert screen.is_visible("#ballot-form") and screen.is_hidden("#review-panel")
    assert PendingBallot.objects.count() == 0 and screen.url == link


def test_a_grade_can_be_cleared_by_mouse_and_keyboard(screen, delegates_link):
    group, link = delegates_link
    screen.goto(link)
    first = group.units.order_by("code").first().code
    name = f"u:{first}:overall"
    clear = screen.locator(f"button.clear[data-clear='{name}']")
    assert clear.is_hidden()
    screen.click(f"label.option:has(input[name='{name}'][value='2'])")
    assert _progress(screen) == "1" and clear.is_visible()
    box = clear.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    clear.click()
    assert not screen.is_checked(f"input[name='{name}'][value='2']") and _progress(screen) == "0"
    screen.click(f"label.option:has(input[name='{name}'][value='3'])")
    clear.focus()
    screen.keyboard.press("Enter")
    assert not screen.is_checked(f"input[name='{name}'][value='3']") and _progress(screen) == "0"


def test_a_resident_picks_a_community_and_sees_only_its_two_units(screen, residents_link):
    group, link = residents_link
    screen.goto(link)
    assert "哪个区" in screen.locator("h2").inner_text()
    screen.click("a.place:text('甲区')")
    screen.click("a.place:text('和平街道')")
    # Each click is a page load: expect() retries until the new page is there.
    expect(screen.locator("a.place")).to_have_text(["东社区", "西社区"])
    screen.click("a.place:text('东社区')")
    expect(screen.locator("fieldset.unit > legend")).to_have_text(["东社区", "和平街道办事处"])
    assert screen.locator("input[name='q:district']").count() == 0
    screen.click("label.option:has(input[name='u:CM-1:overall'][value='5'])")
    screen.click("label.option:has(input[name='u:SO-1:overall'][value='dk'])")
    assert _progress(screen) == "1"   # 不了解 is no rating
    screen.click("label.option:has(input[name='q:age'][value='60+'])")
    screen.click("label.option:has(input[name='q:sex'][value='M'])")
    screen.click("#review-button")
    assert "您评价了 1 / 2 个单位" in screen.locator("#review-panel").inner_text()
    assert "不了解：和平街道办事处" in screen.locator("#review-panel").inner_text()
    screen.click("#review-confirm")
    screen.wait_for_selector(".receipt-number")
    assert PendingBallot.objects.get().profile == {"district": "D1", "age": "60+", "sex": "M"}


def test_without_javascript_the_server_reviews_and_only_the_confirmation_spends_the_code(browser, delegates_link):
    group, link = delegates_link
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(link)
    _answer_profile(page)
    _rate_all(page, group, value="3")
    page.click("#review-button")
    n = group.units.count()
    assert f"您评价了 {n} / {n} 个单位" in page.locator("h2.progress").inner_text()
    assert PendingBallot.objects.count() == 0
    page.click("button[value='edit']")
    assert page.is_checked(f"input[name='u:{group.units.order_by('code').first().code}:overall'][value='3']")
    page.click("#review-button")
    page.click("button[value='confirm']")
    page.wait_for_selector(".receipt-number")
    page.reload()
    assert page.locator(".receipt-number").is_visible() and PendingBallot.objects.count() == 1
    context.close()


def test_a_draft_survives_a_reload_and_is_gone_after_voting(phone, delegates_link):
    group, link = delegates_link
    phone.goto(link)
    first = group.units.order_by("code").first().code
    phone.click(f"label.option:has(input[name='u:{first}:overall'][value='2'])")
    phone.click("label.option:has(input[name='q:age'][value='60+'])")
    phone.reload()
    assert phone.is_checked(f"input[name='u:{first}:overall'][value='2']") and phone.is_visible("#draft-note")
    assert _progress(phone) == "1"
    _answer_profile(phone)
    _review_and_confirm(phone)
    drafts = phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('minping-draft:'))")
    assert drafts == []


def test_keyboard_only_a_delegate_completes_and_submits(phone, delegates_link):
    group, link = delegates_link
    phone.goto(link)
    for _ in range(200):
        phone.keyboard.press("Tab")
        focused = phone.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName, type: e.type || "", id: e.id, name: e.name || "",
                    checked: !!e.checked, group: e.name ? !!document.querySelector(
                        `input[name="${CSS.escape(e.name)}"]:checked`) : false}; }""")
        if focused["type"] == "radio" and not focused["group"] and not focused["name"].endswith(
                tuple(f":{k}" for k in ("attitude", "efficiency", "lawful", "integrity", "conduct"))):
            phone.keyboard.press("Space")
        if focused["id"] == "review-button":
            phone.keyboard.press("Enter")
            break
    else:
        pytest.fail("the review button was never reached by Tab")
    assert phone.evaluate("document.activeElement.id") == "review-title"
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "review-confirm"
    phone.keyboard.press("Enter")
    phone.wait_for_selector(".receipt-number")
    assert PendingBallot.objects.count() == 1


def test_a_refused_submit_moves_focus_to_the_error_summary(phone, delegates_link):
    group, link = delegates_link
    phone.goto(link)
    _rate_all(phone, group)   # the profile is left out
    phone.click("#review-button")
    phone.click("#review-confirm")
    phone.wait_for_selector(".error-summary")
    assert phone.evaluate("document.activeElement.id") == "errors"
    assert "您的年龄段" in phone.locator(".error-summary").inner_text()
    assert PendingBallot.objects.count() == 0


def _sizes(page, selector: str) -> list[dict]:
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null).map(e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        return {w: r.width, h: r.height, font: parseFloat(s.fontSize), line: parseFloat(s.lineHeight) / parseFloat(s.fontSize)}; })""",
                         selector)


TAP_TARGETS = "label.option span, button, a.place, summary, .residence a"


def test_normal_text_follows_the_browsers_font_size_and_taps_are_44_px(screen, delegates_link):
    group, link = delegates_link
    screen.goto(link)
    assert screen.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 16
    assert min(s["font"] for s in _sizes(screen, "label.option span")) >= 16
    screen.click(f"label.option:has(input[name='u:{group.units.order_by('code').first().code}:overall'][value='4'])")
    small = [s for s in _sizes(screen, TAP_TARGETS) if s["w"] < 44 or s["h"] < 44]
    assert small == []


def test_the_age_friendly_mode_is_one_tap_away_and_remembered(screen, delegates_link):
    group, link = delegates_link
    screen.goto(link)
    screen.click("text=大字版（适老化）")
    screen.wait_for_selector("html.elder")
    assert screen.url == link
    screen.goto(link.rsplit("/b/", 1)[0] + "/")   # another page: still on
    assert screen.evaluate("document.documentElement.className") == "elder"
    screen.goto(link)
    texts = _sizes(screen, "p, label.option span, legend, h1, h2, button, summary")
    assert min(t["font"] for t in texts) >= 20 and min(t["line"] for t in texts) >= 1.3
    screen.click(f"label.option:has(input[name='u:{group.units.order_by('code').first().code}:overall'][value='4'])")
    small = [s for s in _sizes(screen, TAP_TARGETS) if s["w"] < 60 or s["h"] < 60]
    assert small == []
    assert screen.evaluate("document.documentElement.scrollWidth") <= screen.viewport_size["width"]


# --- axe-core on every public page, in both modes --------------------------------------------------

@pytest.fixture
def ballot_pages(delegates_link, residents_link, live_server):
    """The public ballot pages: (name, URL, what to do first)."""
    (_group, delegates), (_residents, resident) = delegates_link, residents_link
    return [
        ("home", f"{live_server.url}/", None),
        ("enter code", f"{live_server.url}/b/", None),
        ("delegates' ballot", delegates, None),
        ("where do you live", resident, None),
        ("residents' ballot", f"{resident}?residence=C1", None),
        ("review in the page", delegates, "review"),
        ("refused ballot", delegates, "refused"),
        ("receipt", delegates, "vote"),   # last: it spends the code
    ]


@pytest.fixture
def notice_pages(live_server):
    """The public notice pages, of a published notice whose objection period is running."""
    campaign = scored_campaign()
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests", now=timezone.now())
    return [(name, f"{live_server.url}{path}", None) for name, path in (
        ("notices", "/notices/"), ("notice", f"/notices/{notice.pk}/"), ("verify", "/notices/verify/"),
        ("objection form", f"/notices/objections/{campaign.slug}/"))]


def _axe_walk(page, pages, axe_source, *, elder: bool, group=None) -> dict:
    if elder:
        page.context.add_cookies([{"name": "minping_display", "value": "elder", "url": pages[0][1]}])
    found = {}
    for name, url, action in pages:
        page.goto(url)
        if action in ("review", "vote"):
            _answer_profile(page)
            _rate_all(page, group)
            page.click("#review-button")
            if action == "vote":
                page.click("#review-confirm")
                page.wait_for_selector(".receipt-number")
        elif action == "refused":   # the profile left out (and the draft of the step before dropped)
            page.click("#draft-discard")
            _rate_all(page, group)
            page.click("#review-button")
            page.click("#review-confirm")
            page.wait_for_selector(".error-summary")
        problems = axe_problems(page, axe_source, enhanced_contrast=elder)
        if problems:
            found[name] = problems
    return found


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_axe_finds_nothing_on_the_ballot_pages(screen, ballot_pages, axe_source, elder, delegates_link):
    assert _axe_walk(screen, ballot_pages, axe_source, elder=elder, group=delegates_link[0]) == {}


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_axe_finds_nothing_on_the_notice_pages(screen, notice_pages, axe_source, elder):
    assert _axe_walk(screen, notice_pages, axe_source, elder=elder) == {}


def test_axe_on_the_server_review_page(browser, delegates_link, axe_source):
    """The review page without the page's script (what a browser without JavaScript gets)."""
    group, link = delegates_link
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.route("**/ballot.js", lambda route: route.abort())
    page.goto(link)
    _answer_profile(page)
    _rate_all(page, group)
    page.click("#review-button")
    page.wait_for_selector("button[value='confirm']")
    assert axe_problems(page, axe_source) == []
    context.close()


def test_the_review_in_the_page_lists_commitment_answers_and_unit_comments(phone, live_server):
    from surveys.commitments import commitment_approve, commitment_create, commitment_submit
    from surveys.models import Campaign, Option
    from surveys.services import campaign_set_status
    from tests.factories import CampaignFactory

    campaign = CampaignFactory.ready(slug="promises-e2e")
    group = campaign.groups.get(key="residents")
    office = group.units.order_by("code").first()
    commitment = commitment_create(campaign=campaign, unit=office, text="窗口等候不超过15分钟", actor="tests")
    commitment_submit(commitment=commitment, actor="tests")
    commitment_approve(commitment=commitment, actor="tests")
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    code = invitations_issue(group=group, count=1, actor="tests")[0]
    phone.goto(f"{live_server.url}/b/{code}/")
    _answer_profile(phone)
    phone.click(f"label.option:has(input[name='u:{office.code}:overall'][value='4'])")
    phone.click(f"label.option:has(input[name='c:{commitment.pk}'][value='2'])")
    phone.click(f"#unit-{office.code} summary")
    phone.fill(f"textarea[name='u:{office.code}:unit_comment']", "材料一次告知")
    phone.click("#review-button")
    panel = phone.locator("#review-panel")
    expect(panel).to_be_visible()
    label = Option.objects.get(question__questionnaire=campaign.questionnaire, question__key="overall", value="2").label
    text = panel.inner_text()
    assert f"{commitment.text}：{label}" in text and "：材料一次告知" in text
