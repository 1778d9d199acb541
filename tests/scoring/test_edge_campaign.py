"""A campaign at the edges (issue 14): one unit every respondent of two groups called satisfied,
one unit exactly on a grade boundary with an interval across it — checked in the run's JSON, on
the results pages and in the notice's text."""
import datetime as dt

import numpy as np
import pytest
from django.urls import reverse
from scipy import stats

from publicity.document import notice_html
from publicity.services import notice_render
from scoring.services import score_run_create
from surveys.ballots import AnswerIn, ballot_sheet
from surveys.models import Campaign, Unit
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory
from tests.scoring.factories import _cast

DAY = dt.date(2026, 3, 1)


@pytest.fixture
def edge_campaign(db):
    """Residents and delegates rate organ 0, every one of them “非常满意” (100); delegates rate
    organ 1, half 100 and half 60: exactly 80.0, the lower bound of 比较满意."""
    campaign = CampaignFactory.ready(min_ballots=10)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    residents, delegates = campaign.groups.get(key="residents"), campaign.groups.get(key="delegates")
    organs = list(Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code"))
    residents.units.add(organs[0])
    rng = np.random.default_rng(14)
    sheet = ballot_sheet(residents)
    for i in range(40):
        answers = [AnswerIn("district", None, ("D1", "D2")[i % 2]), AnswerIn("age", None, ("18-34", "35-59", "60+")[i % 3]),
                   AnswerIn("sex", None, "FM"[rng.integers(2)]), AnswerIn("overall", organs[0].code, "5")]
        _cast(sheet, answers, DAY)
    sheet = ballot_sheet(delegates)
    for i in range(30):
        answers = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "35-59"), AnswerIn("sex", None, "M"),
                   AnswerIn("overall", organs[0].code, "5"), AnswerIn("overall", organs[1].code, "53"[i % 2]),
                   AnswerIn("overall", organs[2].code, "4")]
        _cast(sheet, answers, DAY)
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    run = score_run_create(campaign=campaign, actor="tests")
    units = {u["code"]: u for u in run.result["units"]}
    return campaign, run, units[organs[0].code], units[organs[1].code]


def test_every_respondent_satisfied_in_two_groups_gives_exactly_one_and_a_real_interval(edge_campaign):
    _campaign, run, satisfied, _boundary = edge_campaign
    share = satisfied["satisfied"]
    assert share["value"] == 1.0 and share["ci_high"] == 1.0 and share["method"] == "beta-pooled"
    # Korn–Graubard at the pooled effective size, with the run's own group weights (scipy's beta).
    weights = {g["key"]: g["weight"] for g in satisfied["groups"]}
    a = {k: w / sum(weights.values()) for k, w in weights.items()}
    n = {g["key"]: g["n"] for g in satisfied["groups"]}
    t = stats.t.ppf
    rows = 40   # residents are raked: R's nrow(design) is the group's whole sample
    n_star = {"residents": n["residents"] * (t(0.025, rows - 1) / t(0.025, n["residents"] - 2)) ** 2,
              "delegates": n["delegates"] * (t(0.025, n["delegates"] - 1) / t(0.025, n["delegates"] - 1)) ** 2}
    pooled = 1 / sum(a[k] ** 2 / n_star[k] for k in a)
    assert share["ci_low"] == pytest.approx(stats.beta.ppf(0.025, pooled, 1), rel=1e-9)
    assert share["ci_low"] < 1.0
    assert run.result["methods"]["lonely_psu"] == "adjust"


def test_a_unit_on_the_band_boundary_is_graded_on_its_printed_score_and_marked_borderline(edge_campaign):
    _campaign, _run, _satisfied, boundary = edge_campaign
    assert boundary["published"]["score"] == 80.0
    assert boundary["published"]["ci_low"] < 80.0 < boundary["published"]["ci_high"]
    assert (boundary["grade"], boundary["grade_low"], boundary["grade_high"]) == ("比较满意", "基本满意", "比较满意")


def test_the_results_page_shows_the_edges(edge_campaign, client, staff):
    campaign, _run, satisfied, boundary = edge_campaign
    client.force_login(staff)
    page = client.get(reverse("scoring:campaign", args=[campaign.slug])).content.decode()
    assert '<td class="grade">比较满意（临界：基本满意至比较满意）</td>' in page
    unit_page = client.get(reverse("scoring:unit", args=[campaign.slug, satisfied["code"]])).content.decode()
    assert "100.0%" in unit_page and f"{100 * satisfied['satisfied']['ci_low']:.1f}%–100.0%" in unit_page


def test_the_notice_prints_the_edges_and_its_method_note_names_the_methods(edge_campaign):
    campaign, _run, satisfied, boundary = edge_campaign
    rendered = notice_render(campaign=campaign, kind="publicity", issued_on=dt.date(2026, 9, 29), pdf=False)
    html = notice_html(rendered.data)
    row = next(r for s in rendered.data.sections for r in s.ranked if r.name == boundary["name"])
    assert (row.score, row.grade) == ("80.0", "比较满意（临界）")
    assert f"<td>{row.grade}</td>" in html
    full = next(r for s in rendered.data.sections for r in s.ranked if r.name == satisfied["name"])
    assert full.satisfied == "100.0%"
    note = "".join(rendered.data.method)
    for words in ('calibrate(calfun="raking")', 'survey.lonely.psu = "adjust"', "Korn–Graubard", "（临界）",
                  "四舍五入保留一位小数", "等次按保留一位小数后的得分确定", "并非所有单位同时成立"):
        assert words in note, words


def test_simultaneous_rank_intervals_are_a_campaign_option_named_in_the_run_and_the_notice(db):
    from scoring.compute import rank_seed
    from scoring.stats import simultaneous_rank_intervals
    from tests.publicity.factories import scored_campaign

    campaign = scored_campaign(seed=3, rank_method=Campaign.RankMethod.SIMULTANEOUS)
    run = campaign.score_runs.get()
    assert run.result["methods"]["rank_interval"].startswith("simultaneous")
    assert "csranks" in run.result["methods"]["rank_interval"]
    # in the order scoring ranks them: by code within the kind
    ranked = sorted((u for u in run.result["units"] if u["kind"] == "street_office" and u["rank"] is not None),
                    key=lambda u: u["code"])
    assert len(ranked) >= 2
    expected = simultaneous_rank_intervals([u["score"] for u in ranked], [u["se"] for u in ranked],
                                           seed=rank_seed(run.input_digest, "street_office"), draws=4000)
    assert [(u["rank_low"], u["rank_high"]) for u in ranked] == list(zip(expected.low, expected.high, strict=True))
    note = "".join(notice_render(campaign=campaign, kind="publicity", issued_on=dt.date(2026, 9, 29), pdf=False).data.method)
    assert "联合95%置信集" in note and "只有检验确认一个单位得分高于另一个时，两者才分先后" in note


@pytest.fixture
def lonely_campaign(db):
    """Residents stratified by district: 20 ballots from D1 and a single one from D2 (aged 35–59,
    a man, so that raking can still reach every margin)."""
    campaign = CampaignFactory.ready(min_ballots=1)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    residents = campaign.groups.get(key="residents")
    office = residents.units.order_by("code").first()
    sheet = ballot_sheet(residents)
    for i in range(21):
        answers = [AnswerIn("district", None, "D1" if i else "D2"), AnswerIn("age", None, ("35-59", "18-34", "60+")[i % 3]),
                   AnswerIn("sex", None, "MF"[i % 2]), AnswerIn("overall", office.code, "54321"[i % 5])]
        _cast(sheet, answers, DAY)
    return campaign, office


def test_a_stratum_with_one_ballot_is_scored_under_the_campaigns_lonely_psu_rule(lonely_campaign):
    campaign, office = lonely_campaign
    run = score_run_create(campaign=campaign, actor="tests")
    assert run.parameters["lonely_psu"] == "adjust" and run.result["methods"]["lonely_psu"] == "adjust"
    group = next(g for u in run.result["units"] if u["code"] == office.code for g in u["groups"])
    assert group["n"] == 21 and group["se"] > 0


def test_the_fail_rule_refuses_with_a_translated_message_and_stores_nothing(lonely_campaign):
    from django.utils import translation

    from scoring.models import ScoreRun
    from scoring.services import ScoringError

    campaign, _office = lonely_campaign
    Campaign.objects.filter(pk=campaign.pk).update(lonely_psu=Campaign.LonelyPsu.FAIL)
    campaign.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(ScoringError, match="只有1张评议票.*不予计算"):
        score_run_create(campaign=campaign, actor="tests")
    with translation.override("en"), pytest.raises(ScoringError, match="single ballot.*“fail”"):
        score_run_create(campaign=campaign, actor="tests")
    assert not ScoreRun.objects.exists()
