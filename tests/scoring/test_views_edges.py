"""The unit page at the edges (issue 14): small groups hidden with their giveaway neighbour, and
the trend against an earlier campaign tested at this campaign's level — or not at all when the
earlier score has no SE."""
import pytest
from django.urls import reverse
from scipy import stats

from scoring.models import ScoreRun, UnitScore
from scoring.services import score_run_create
from surveys.models import Campaign, Unit, UnitContact
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory


@pytest.fixture
def organ(open_campaign):
    return Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code").first()   # residents and delegates


def _score(campaign, **fields):
    Campaign.objects.filter(pk=campaign.pk).update(**fields)
    campaign.refresh_from_db()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    return score_run_create(campaign=campaign, actor="tests")


def test_a_small_group_is_hidden_and_so_is_the_group_that_would_give_it_away(client, contact, open_campaign, organ):
    # Contacts see it once scored (not only once published), so the closed, scored run is theirs.
    run = _score(open_campaign, min_ballots=40, results_for_contacts=Campaign.ContactResults.SCORED)
    # delegates rated the organ 36 times, residents more
    entry = next(u for u in run.result["units"] if u["code"] == organ.code)
    n = {g["key"]: g["n"] for g in entry["groups"]}
    assert n["delegates"] < 40 <= n["residents"]
    UnitContact.objects.create(user=contact, unit=organ)
    client.force_login(contact)
    body = client.get(reverse("scoring:unit", args=[open_campaign.slug, organ.code])).content.decode()
    table = body[body.index('class="results groups"'):body.index("</table>", body.index('class="results groups"'))]
    assert table.count('class="hidden-cell"') == 2
    for g in entry["groups"]:
        assert f'<td class="num">{g["n"]}</td>' not in table


def test_with_enough_ballots_every_group_is_shown(client, staff, open_campaign, organ):
    _score(open_campaign)                            # min_ballots 10
    client.force_login(staff)
    body = client.get(reverse("scoring:unit", args=[open_campaign.slug, organ.code])).content.decode()
    assert 'class="hidden-cell"' not in body


def _earlier(campaign, unit, se):
    earlier = CampaignFactory(year=campaign.year - 1, questionnaire=campaign.questionnaire)
    run = ScoreRun.objects.create(campaign=earlier, number=1, parameters={}, input_digest="0" * 64,
                                  created_by_label="tests", result={})
    UnitScore.objects.create(run=run, unit=unit, group=None, n=100, estimate=70.0, se=se)


def test_the_trend_is_tested_at_the_campaigns_level(client, staff, open_campaign, organ):
    run = _score(open_campaign, confidence_level=0.9)
    _earlier(open_campaign, organ, se=1.5)
    entry = next(u for u in run.result["units"] if u["code"] == organ.code)
    client.force_login(staff)
    response = client.get(reverse("scoring:unit", args=[open_campaign.slug, organ.code]))
    trend = response.context["previous"]["test"]
    se = (entry["se"] ** 2 + 1.5**2) ** 0.5
    z = stats.norm.ppf(0.95)
    assert trend.ci_low == pytest.approx(entry["score"] - 70 - z * se)
    assert "变化的90%区间" in response.content.decode()


def test_no_trend_test_when_the_earlier_score_has_no_se(client, staff, open_campaign, organ):
    _score(open_campaign)
    _earlier(open_campaign, organ, se=None)
    client.force_login(staff)
    body = client.get(reverse("scoring:unit", args=[open_campaign.slug, organ.code])).content.decode()
    assert "无法检验：上期得分没有标准误" in body and "变化的" not in body
