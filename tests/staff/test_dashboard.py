"""The campaign dashboard's figures: turnout per group, district and channel, ballots per day,
pending ballots, units below the minimum — against a campaign whose numbers are known by
construction (tests/staff/conftest.py: `running`)."""
import base64
import datetime as dt
import re

import pytest
from django.db.models import Count
from django.utils import timezone

from staff.selectors import campaign_dashboard, capped_unit_counts
from surveys.ballots import ballots_settle
from surveys.models import BallotUnitScore

from .conftest import MIN_BALLOTS, cast_online

pytestmark = pytest.mark.django_db


def test_turnout_per_group_counts_paper_settled_and_pending_ballots_and_spent_codes(running):
    board = campaign_dashboard(running)
    rows = {g.group.key: g for g in board.groups}
    residents, delegates = rows["residents"], rows["delegates"]
    assert (residents.issued, residents.used, residents.ballots, residents.population) == (0, 0, 6, 300_000)
    assert residents.response_rate == pytest.approx(6 / 300_000)
    assert (delegates.issued, delegates.used, delegates.ballots, delegates.population) == (10, 3, 3, 50)
    assert delegates.response_rate == pytest.approx(3 / 50)
    assert board.pending == 3 and board.ballots == 9


def test_a_group_without_population_reports_codes_used_per_code_issued(running):
    delegates = running.groups.get(key="delegates")
    delegates.population_size = None
    delegates.save()
    row = next(g for g in campaign_dashboard(running).groups if g.group.key == "delegates")
    assert row.population is None and row.response_rate == pytest.approx(3 / 10)


def test_a_weighted_group_is_broken_down_by_district_against_the_census(running):
    board = campaign_dashboard(running)
    assert [b.group.key for b in board.breakdowns] == ["residents"]   # delegates are not weighted
    levels = {level.value: level for level in board.breakdowns[0].levels}
    assert board.breakdowns[0].variable == "district"
    assert (levels["D1"].label, levels["D1"].ballots, levels["D1"].population) == ("甲区", 4, 200_000)
    assert (levels["D2"].ballots, levels["D2"].population) == (2, 100_000)
    assert levels["D2"].response_rate == pytest.approx(2 / 100_000)


def test_pending_ballots_count_in_their_district_too(running):
    cast_online(running.groups.get(key="delegates"), running.spare_codes[0], running.organs[:2])
    residents = campaign_dashboard(running).breakdowns[0]
    assert sum(level.ballots for level in residents.levels) == 6   # a delegate's ballot is not a resident's


def test_ballots_by_channel_per_group(running):
    board = campaign_dashboard(running)
    assert [value for value, _ in board.channels] == ["online", "paper"]   # no kiosk ballots: no kiosk column
    rows = {g.group.key: counts for g, counts in board.channel_rows()}
    assert rows == {"residents": [0, 6], "delegates": [3, 0]}
    assert board.channel_totals() == [3, 6]


def test_ballots_per_day_fills_the_days_without_ballots(running):
    today = timezone.localdate()
    board = campaign_dashboard(running)
    assert board.days == [(today - dt.timedelta(days=2), 4), (today - dt.timedelta(days=1), 0), (today, 5)]


def test_units_below_the_minimum_are_counted_from_settled_ballots(running):
    """Before settling, the delegates' three pending ballots do not count for their organs; after, the
    two organs they rated reach the minimum of 3 and only the unrated organ and the D2 office are short."""
    office_d1, office_d2 = running.offices
    organs = running.organs
    before = {(s.group.key, s.unit.code): s.n for s in campaign_dashboard(running).short_units}
    assert before == {("residents", office_d2.code): 2, **{("delegates", o.code): 0 for o in organs}}
    ballots_settle(campaign_id=running.pk, min_batch=1)
    board = campaign_dashboard(running)
    after = {(s.group.key, s.unit.code): (s.n, s.needed) for s in board.short_units}
    assert after == {("residents", office_d2.code): (2, MIN_BALLOTS - 2), ("delegates", organs[2].code): (0, 3)}
    assert board.pending == 0 and board.ballots == 9   # settling changes where ballots are, not how many


def test_unit_counts_are_exact_below_the_cap_and_stop_at_it(running):
    """The dashboard counts each unit's score rows only up to the minimum: below it exactly, at or
    above it the cap; a unit nobody rated is 0."""
    ballots_settle(campaign_id=running.pk, min_batch=1)
    residents = running.groups.get(key="residents")
    office_d1, office_d2 = running.offices
    exact = {(group_id, unit_id): n for group_id, unit_id, n in
             BallotUnitScore.objects.filter(group=residents).values_list("group_id", "unit_id").annotate(n=Count("pk"))}
    assert exact[(residents.pk, office_d1.pk)] > 3 > exact[(residents.pk, office_d2.pk)] > 0
    counts = capped_unit_counts(running, 3)
    assert counts[(residents.pk, office_d1.pk)] == 3 and counts[(residents.pk, office_d2.pk)] == exact[(residents.pk, office_d2.pk)]
    assert capped_unit_counts(running, 1000)[(residents.pk, office_d1.pk)] == exact[(residents.pk, office_d1.pk)]
    delegates = running.groups.get(key="delegates")
    assert counts[(delegates.pk, running.organs[2].pk)] == 0


def test_the_dashboard_page_shows_the_figures_the_chart_and_its_table(client, staff, running):
    client.force_login(staff)
    page = client.get(f"/staff/campaigns/{running.slug}/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    residents = re.search(r'<tr data-group="residents">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', residents) == ["0", "0", "6", "300000", "0.0%"]
    delegates = re.search(r'<tr data-group="delegates">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', delegates) == ["10", "3", "3", "50", "6.0%"]
    assert '<strong class="pending">3</strong>' in html
    chart = base64.b64decode(re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="[^"]+"', html).group(1))
    assert chart.decode().count('class="bar"') == 3 and "<title>每日选票数</title>" in chart.decode()
    assert f"<th scope=\"row\">{(timezone.localdate() - dt.timedelta(days=1)).isoformat()}</th><td class=\"num\">0</td>" in html
    assert 'data-refresh-seconds="60"' in html and "js/dashboard.js" in html


def test_an_open_link_group_shows_no_invitations(running, client, staff):
    delegates = running.groups.get(key="delegates")
    delegates.access = delegates.Access.OPEN
    delegates.save()
    row = next(g for g in campaign_dashboard(running).groups if g.group.key == "delegates")
    assert (row.issued, row.used, row.ballots) == (None, None, 3)
    assert row.response_rate == pytest.approx(3 / 50)


def test_only_evaluation_staff_see_the_staff_area(client, outsider, contact, running):
    assert client.get("/staff/").status_code == 302
    assert client.get(f"/staff/campaigns/{running.slug}/").status_code == 302
    for user in (outsider, contact):
        client.force_login(user)
        assert client.get("/staff/").status_code == 403
        assert client.get(f"/staff/campaigns/{running.slug}/").status_code == 403


def test_the_staff_start_page_lists_every_campaign_with_its_links(client, staff, running, scored_elsewhere):
    client.force_login(staff)
    html = client.get("/staff/").content.decode()
    for campaign in (running, scored_elsewhere):
        assert f'href="/staff/campaigns/{campaign.slug}/"' in html and campaign.title in html
        assert f'href="/results/{campaign.slug}/"' in html
    assert 'href="/jobs/"' in html and 'href="/notices/staff/"' in html


@pytest.fixture
def scored_elsewhere(db):
    from tests.publicity.factories import scored_campaign

    return scored_campaign()


def test_control_without_the_staff_gate_an_outsider_would_see_the_dashboard(monkeypatch, client, outsider, running):
    """The 403s above come from the gate: with it removed, the same request gets the figures."""
    monkeypatch.setattr("staff.views.require_evaluation_staff", lambda user: None)
    client.force_login(outsider)
    assert client.get(f"/staff/campaigns/{running.slug}/").status_code == 200


def test_a_draft_campaign_has_an_empty_dashboard_with_the_open_button(client, staff, campaign):
    client.force_login(staff)
    html = client.get(f"/staff/campaigns/{campaign.slug}/").content.decode()
    assert html.count("尚无选票。") == 2   # channels and days
    assert f'action="/staff/campaigns/{campaign.slug}/open/"' in html and "/close/" not in html
    short = campaign_dashboard(campaign).short_units
    assert len(short) == sum(g.units.count() for g in campaign.groups.all()) and {s.n for s in short} == {0}
