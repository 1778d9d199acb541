"""The public results pages and the unit contact's page in a real browser: axe-core finds nothing,
the page's script sorts and filters as the links and form do without it, and nothing breaks the
Content-Security-Policy."""
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from publicity.services import notice_publish
from surveys.models import Unit, UnitContact
from tests.publicity.factories import scored_campaign

from .conftest import axe_problems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published():
    campaign = scored_campaign()
    return notice_publish(campaign=campaign, kind="publicity", actor="tests", now=timezone.now())


@pytest.fixture
def violations(screen):
    found = []
    screen.on("console", lambda message: found.append(f"{screen.url}: {message.text}")
              if "Content Security Policy" in message.text else None)
    return found


def _sign_in(page, user, live_server):
    """The contact's session, made by Django's test client and handed to the browser."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_axe_finds_nothing_on_the_results_unit_and_contact_pages(screen, live_server, published, contact, axe_source,
                                                                 elder, violations):
    unit = Unit.objects.get(code=published.run.result["units"][0]["code"])
    UnitContact.objects.create(user=contact, unit=unit)
    _sign_in(screen, contact, live_server)
    if elder:
        screen.context.add_cookies([{"name": "minping_display", "value": "elder", "url": live_server.url}])
    found = {}
    for path in (f"/notices/{published.pk}/results/", f"/notices/{published.pk}/results/?kind=city_organ&sort=name",
                 f"/units/{unit.code}/", f"/results/{published.campaign.slug}/units/{unit.code}/"):
        screen.goto(live_server.url + path)
        problems = axe_problems(screen, axe_source, enhanced_contrast=elder)
        if problems:
            found[path] = problems
    assert found == {}
    assert violations == []


def _names(page) -> list[str]:
    return page.locator("table.sortable tbody tr[data-code] th[scope=row]").all_inner_texts()


def test_the_script_sorts_in_place_as_the_server_would_and_filters_on_choosing(screen, live_server, published,
                                                                                violations):
    url = f"{live_server.url}/notices/{published.pk}/results/"
    screen.goto(url + "?sort=name")
    by_name = _names(screen)
    screen.goto(url)
    by_score = _names(screen)
    assert by_name != by_score
    screen.click(".sort-links a[data-sort=name]")
    assert _names(screen) == by_name                       # reordered without a new page
    assert screen.url.endswith("?sort=name")
    assert screen.locator(".sort-links a[data-sort=name]").get_attribute("aria-current") == "true"
    screen.click(".sort-links a[data-sort=score]")
    assert _names(screen) == by_score
    with screen.expect_navigation():
        screen.select_option("#id_kind", "city_organ")     # no "Show" click: the script submits
    organs = {u["name"] for u in published.run.result["units"] if u["kind"] == "city_organ"}
    assert set(_names(screen)) == organs
    assert violations == []
