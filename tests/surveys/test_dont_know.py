"""不了解 / 未接触: an answer on every per-unit grade, recorded, but never a vote."""
import csv

import pytest
from django.core.cache import cache

from scoring.selectors import unit_dimension_means
from surveys.ballot_export import write_export
from surveys.ballots import ballots_settle
from surveys.models import Answer, BallotUnitScore, Option, Question
from surveys.services import campaign_open_problems, campaign_set_status, invitations_issue

from .conftest import stored_ballots, valid_answers
from .test_ballot_pages import form_data
from .test_unit_scope import api_post, import_rows, paper_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def with_dont_know(group, unit_code: str, question="overall") -> list[dict]:
    """A valid ballot in which `unit_code` is answered 不了解 (its dimensions left out)."""
    answers = [a for a in valid_answers(group) if not (a["unit"] == unit_code and a["question"] != "overall")]
    return [dict(a, value="dk") if (a["question"], a["unit"]) == (question, unit_code) else a for a in answers]


def test_the_standard_questionnaire_offers_it_on_every_per_unit_grade(open_campaign):
    questions = open_campaign.questionnaire.questions.filter(kind=Question.Kind.GRADE, per_unit=True)
    assert questions.count() == 6
    for question in questions:
        option = question.options.get(value="dk")
        assert option.label == "不了解" and option.score is None
    assert campaign_open_problems(open_campaign) == []


def test_two_unscored_options_keep_a_campaign_from_opening(open_campaign):
    overall = open_campaign.questionnaire.questions.get(key="overall")
    Option.objects.create(question=overall, value="na", label="未接触", score=None)
    assert any("overall" in problem for problem in campaign_open_problems(open_campaign))


def test_it_is_stored_but_counted_in_no_score_and_no_n(client, codes, residents, open_campaign):
    first, second = residents.units.order_by("code")
    response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": with_dont_know(residents, first.code)},
                           content_type="application/json")
    assert response.status_code == 201
    ballots_settle(min_batch=1)
    assert Answer.objects.get(unit=first, question__key="overall").option.value == "dk"
    assert list(BallotUnitScore.objects.values_list("unit_id", flat=True)) == [second.pk]
    means = {row["question"].key: row["n"] for row in unit_dimension_means(campaign=open_campaign, unit=first)}
    assert means.get("overall", 0) == 0
    means = {row["question"].key: row["n"] for row in unit_dimension_means(campaign=open_campaign, unit=second)}
    assert means["overall"] == 1


def test_a_ballot_must_rate_one_unit_for_real_on_every_channel(client, open_campaign, tmp_path, by_residence):
    delegates = open_campaign.groups.get(key="delegates")
    codes = invitations_issue(group=delegates, count=2, actor="tests")
    only_dont_know = [dict(a, value="dk") if a["question"] == "overall" else a
                      for a in valid_answers(delegates) if a["question"] in ("overall", "district", "age", "sex")]
    page = client.post(f"/b/{codes[0]}/", {**form_data(only_dont_know), "step": "confirm"})
    assert page.status_code == 400
    assert any("不算评价" in e["message"] for e in page.context["error_summary"])
    api = client.post(f"/api/v1/ballots/{codes[1]}/", {"answers": only_dont_know}, content_type="application/json")
    assert api.status_code == 400 and "不算评价" in api.json()["errors"][0]["message"]
    paper = import_rows(by_residence, tmp_path, [paper_row([
        {"question": "overall", "unit": "SO-1", "value": "不了解"}, {"question": "age", "unit": None, "value": "60+"},
        {"question": "sex", "unit": None, "value": "F"}])])
    assert paper.problems and "不算评价" in paper.problems[0].message
    assert stored_ballots() == 0


def test_dont_know_with_a_graded_dimension_is_refused(client, codes, residents):
    first = residents.units.order_by("code").first()
    answers = with_dont_know(residents, first.code) + [{"question": "attitude", "unit": first.code, "value": "5"}]
    response = client.post(f"/api/v1/ballots/{codes[0]}/", {"answers": answers}, content_type="application/json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["unit"] == first.code and "不了解" in error["message"]


def test_a_paper_cell_may_say_it_by_label(by_residence, tmp_path):
    row = paper_row([{"question": "overall", "unit": "SO-1", "value": "不了解"},
                     {"question": "overall", "unit": "CM-1", "value": "满意"},
                     {"question": "age", "unit": None, "value": "60+"}, {"question": "sex", "unit": None, "value": "F"}])
    assert import_rows(by_residence, tmp_path, [row]).ok
    assert list(BallotUnitScore.objects.values_list("unit__code", flat=True)) == ["CM-1"]


def test_the_export_and_its_codebook_show_it(client, codes, residents, tmp_path):
    first = residents.units.order_by("code").first()
    assert api_post(client, codes[0], with_dont_know(residents, first.code), residence=None).status_code == 201
    # Closed: the export settles every ballot (an open campaign keeps its newest few pending).
    campaign_set_status(campaign=residents.campaign, status="closed", actor="tests")
    out = tmp_path / "ballots.csv"
    write_export(residents, out, with_comments=False)
    (row,) = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row[f"{first.code}:overall"] == "dk" and row[f"score:{first.code}"] == ""
    codebook = list(csv.reader(out.with_name("ballots.codebook.csv").open(encoding="utf-8-sig")))
    assert ["<unit>:overall", "总体满意度", "grade", "dk", "不了解", ""] in codebook
