"""The unit contact's page: scores with labelled intervals, the group breakdown and dimension means
with small cells suppressed so that none can be worked out from the rest, the trend across
campaigns, and the objections about the unit with their answers."""
import pytest
from django.urls import reverse

import scoring.views
from publicity.services import notice_publish, objection_answer, objection_file
from scoring.services import score_run_create
from scoring.stats import suppress_cells
from surveys.models import Answer, Campaign, Unit, UnitContact
from surveys.services import campaign_set_status
from tests.html_tables import html_svg_images, html_tables
from tests.publicity.factories import scored_campaign, scored_campaign_rating


@pytest.fixture
def organ(open_campaign):
    return Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).order_by("code").first()   # residents and delegates


def _score(campaign, **fields):
    Campaign.objects.filter(pk=campaign.pk).update(results_for_contacts=Campaign.ContactResults.SCORED, **fields)
    campaign.refresh_from_db()
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    return score_run_create(campaign=campaign, actor="tests")


def _page(client, user, campaign, unit) -> str:
    UnitContact.objects.get_or_create(user=user, unit=unit)
    client.force_login(user)
    response = client.get(reverse("scoring:unit", args=[campaign.slug, unit.code]))
    assert response.status_code == 200
    return response.content.decode()


def _visible(body: str) -> dict:
    """What a reader of the page knows: the unit's total ballots (also printed, for every unit, on the
    public results pages) and each shown group's ballots (None where hidden)."""
    overall = dict(row for row in html_tables(body, "overall")[0]["rows"])
    groups = {row[0]: int(row[1]) if len(row) == 5 else None for row in html_tables(body, "groups")[0]["rows"][1:]}
    return {"n": int(overall["评议票"]), "groups": groups}


def _derive_hidden(visible: dict) -> tuple[str, int] | None:
    """A hidden group's ballots worked out as the total minus the shown groups; None when two or more
    groups are hidden (one equation, two unknowns). (A unit with a group below the minimum gets no
    composite score, so no score can be worked out the same way.)"""
    hidden = [name for name, n in visible["groups"].items() if n is None]
    if len(hidden) != 1:
        return None
    return hidden[0], visible["n"] - sum(n for n in visible["groups"].values() if n is not None)


def test_a_small_group_cannot_be_worked_out_from_the_total_and_the_other_groups(client, contact, open_campaign,
                                                                                  organ):
    run = _score(open_campaign, min_ballots=40)
    entry = next(u for u in run.result["units"] if u["code"] == organ.code)
    groups = {g["key"]: g for g in entry["groups"]}
    assert groups["delegates"]["n"] < 40 <= groups["residents"]["n"]    # primary: delegates hidden
    visible = _visible(_page(client, contact, open_campaign, organ))
    assert visible["n"] == entry["n"]                                    # the total is on the page
    assert set(visible["groups"].values()) == {None}                     # and so both groups are hidden
    assert _derive_hidden(visible) is None


def test_control_with_primary_suppression_only_the_hidden_group_is_worked_out(client, contact, open_campaign,
                                                                              organ, monkeypatch):
    """The same page with secondary suppression switched off: the delegates' ballots follow from what
    is shown — the leak the test above guards against."""
    monkeypatch.setattr(scoring.views, "suppress_cells",
                        lambda counts, minimum, totals_shown=True: suppress_cells(counts, minimum, totals_shown=False))
    run = _score(open_campaign, min_ballots=40)
    entry = next(u for u in run.result["units"] if u["code"] == organ.code)
    delegates = next(g for g in entry["groups"] if g["key"] == "delegates")
    names = dict(open_campaign.groups.values_list("key", "name"))
    assert _derive_hidden(_visible(_page(client, contact, open_campaign, organ))) == (names["delegates"],
                                                                                      delegates["n"])


def test_a_dimension_with_too_few_answers_is_hidden(client, contact, open_campaign):
    office = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code").first()
    answers = {key: Answer.objects.filter(unit=office, question__key=key).count() for key in ("overall", "attitude")}
    assert answers["attitude"] < answers["overall"]
    _score(open_campaign, min_ballots=answers["attitude"] + 1)
    body = _page(client, contact, open_campaign, office)
    rows = {row[0]: row for row in html_tables(body, "dimensions")[0]["rows"][1:]}
    questions = dict(open_campaign.questionnaire.questions.values_list("key", "text"))
    assert rows[questions["overall"]][1] == str(answers["overall"])
    assert "不显示" in rows[questions["attitude"]][1] and str(answers["attitude"]) not in rows[questions["attitude"]]


def test_words_not_keys_group_names_and_labelled_intervals(client, contact, open_campaign, organ):
    _score(open_campaign)
    body = _page(client, contact, open_campaign, organ)
    groups = html_tables(body, "groups")[0]
    assert [row[0] for row in groups["rows"][1:]] == list(
        open_campaign.groups.order_by("order", "id").values_list("name", flat=True))
    assert "95%置信区间" in body and "±" not in body
    assert "residents" not in body and "delegates" not in body


def test_objections_about_the_unit_with_their_answers_and_never_the_objectors_contact(client, contact, staff,
                                                                                     open_campaign, organ):
    _score(open_campaign)
    notice = notice_publish(campaign=open_campaign, kind="publicity", actor="tests")
    other = Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).exclude(pk=organ.pk).order_by("code").first()
    answered = objection_file(notice=notice, unit=organ, text="得分与实际不符", contact="13800000000")
    objection_answer(objection=answered, reply="已复核，计算无误。", actor=staff)
    objection_file(notice=notice, unit=organ, text="窗口排队太久")
    objection_file(notice=notice, unit=other, text="别的单位的异议")
    body = _page(client, contact, open_campaign, organ)
    section = body[body.index("针对本单位的异议"):]
    assert "得分与实际不符" in section and "已复核，计算无误。" in section and "窗口排队太久" in section
    assert "别的单位的异议" not in body and "13800000000" not in body


def test_the_trend_lists_the_campaigns_the_contact_may_see(client, contact, db):
    first = scored_campaign(seed=1)
    notice_publish(campaign=first, kind="publicity", actor="tests")
    unit = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code")[0]
    second = scored_campaign_rating(unit, seed=2, year=first.year + 1)   # scored: not yet for contacts
    trend = html_tables(_page(client, contact, first, unit), "history")[0]["rows"][1:]
    assert [row[0] for row in trend] == [first.title]
    Campaign.objects.filter(pk=second.pk).update(results_for_contacts=Campaign.ContactResults.SCORED)
    body = _page(client, contact, second, unit)
    trend = html_tables(body, "history")[0]["rows"][1:]
    assert [row[0] for row in trend] == [first.title, second.title]
    scores = [next(u for u in c.score_runs.get().result["units"] if u["code"] == unit.code)["published"]["score"]
              for c in (first, second)]
    assert [row[1] for row in trend] == [f"{s:.1f}" for s in scores]
    markers = html_svg_images(body)[0].findall("{http://www.w3.org/2000/svg}circle[@class='marker']")
    assert [float(m.get("data-estimate")) for m in markers] == scores


def test_the_units_rectification_cases_and_never_another_units(client, contact, staff, open_campaign, organ):
    """The contact's page lists this unit's cases (linked to their public timelines), not others'."""
    import datetime as dt

    from rectification.services import case_open_by_staff

    _score(open_campaign)
    other = Unit.objects.filter(kind=Unit.Kind.CITY_ORGAN).exclude(pk=organ.pk).order_by("code").first()
    today = dt.date(2026, 11, 2)   # a working day the calendar knows
    mine = case_open_by_staff(campaign=open_campaign, unit=organ, problem="办事窗口午休不接待", actor=staff, today=today)
    case_open_by_staff(campaign=open_campaign, unit=other, problem="别的单位的整改事项", actor=staff, today=today)
    body = _page(client, contact, open_campaign, organ)
    section = body[body.index("<h2>整改"):]
    assert "办事窗口午休不接待" in section and reverse("rectification:detail", args=[mine.pk]) in section
    assert "别的单位的整改事项" not in body
