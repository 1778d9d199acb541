"""Pages under the strict Content-Security-Policy in a real browser: no violation, and the admin's
and Swagger UI's scripts still run."""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(phone):
    """What Chromium reports refusing under the policy (it logs every violation to the console)."""
    found = []
    phone.on("console", lambda message: found.append(f"{phone.url}: {message.text}")
             if "Content Security Policy" in message.text else None)
    return found


def sign_in(phone, live_server):
    phone.goto(live_server.url + "/admin/login/")
    phone.fill("#id_username", "staff")
    phone.fill("#id_password", "pw-for-tests")
    phone.click("input[type=submit]")
    phone.wait_for_selector("#site-name")


def test_the_admin_works_under_the_policy(live_server, phone, staff, campaign, violations):
    sign_in(phone, live_server)
    phone.goto(live_server.url + "/admin/surveys/campaign/")
    phone.click("#action-toggle")  # actions.js: "select all" ticks every row
    assert phone.is_checked(f"input[name=_selected_action][value='{campaign.pk}']")
    phone.goto(live_server.url + f"/admin/surveys/campaign/{campaign.pk}/change/")
    phone.wait_for_selector("#campaign_form")
    for path in ("/admin/", "/admin/surveys/unit/import/", "/admin/surveys/unit/export/", "/admin/surveys/region/add/",
                 "/admin/surveys/questionnaire/", "/results/", "/notices/staff/", "/notices/", "/b/"):
        phone.goto(live_server.url + path)
        phone.wait_for_load_state()
    # django-import-export's export page has two style="" attributes (padding, bold): refused, the
    # page works without them. Everything else must be clean.
    assert [v for v in violations if not ("/export/" in v and "style attributes" in v)] == []


def test_swagger_ui_runs_under_the_policy(live_server, phone, violations):
    phone.goto(live_server.url + "/api/docs/")
    phone.wait_for_selector(".swagger-ui .info")  # rendered by the scripts: they ran
    assert "Minping API" in phone.locator(".swagger-ui .info").inner_text()
    assert violations == []


def test_control_chromium_reports_an_inline_script(live_server, phone, violations):
    """The fixture sees a violation when there is one: a script injected into a served page."""
    phone.goto(live_server.url + "/")
    phone.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                              document.body.appendChild(s); }""")
    phone.wait_for_timeout(200)
    assert violations and "script-src" in violations[0]
