"""The ballot API: shapes and status codes of GET and POST /api/v1/ballots/<code>/."""
import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from surveys.ballots import ballots_settle
from surveys.models import Answer, Ballot, BallotUnitScore, Campaign, PendingBallot, SpentTag
from surveys.services import invitations_issue

from .conftest import VALIDATION_RULES, break_ballot, stored_ballots, valid_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def url(code):
    return f"/api/v1/ballots/{code}/"


def post(client, code, answers, language="zh-hans"):
    return client.post(url(code), {"answers": answers}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


class TestGet:
    def test_describes_the_ballot(self, client, codes, residents):
        body = client.get(url(codes[0])).json()
        assert body["campaign"] == {"slug": "open-2026", "title": "测试评议", "closes_at": None}
        assert body["group"] == {"key": "residents", "name": residents.name}
        assert [u["code"] for u in body["units"]] == sorted(residents.units.values_list("code", flat=True))
        assert set(body["units"][0]) == {"code", "name", "kind"}
        overall = next(q for q in body["questions"] if q["key"] == "overall")
        assert overall["kind"] == "grade" and overall["per_unit"] and overall["required"]
        assert overall["options"][0] == {"value": "5", "label": "非常满意", "score": 100.0}
        recommend = next(q for q in body["questions"] if q["key"] == "recommend")
        assert (recommend["min"], recommend["max"]) == (0, 10)

    def test_code_is_read_case_insensitively_without_dashes(self, client, codes):
        assert client.get(url(codes[0].replace("-", "").lower())).status_code == 200

    def test_unknown_and_malformed_codes_answer_the_same_404(self, client, codes):
        unknown = "0000-0000-0000-0000-0000"
        malformed = "not-a-code"
        first, second = client.get(url(unknown)), client.get(url(malformed))
        assert first.status_code == second.status_code == 404
        assert first.json() == second.json()


class TestPost:
    def test_a_valid_ballot_is_stored_and_answers_a_receipt(self, client, codes, residents):
        response = post(client, codes[0], valid_answers(residents))
        assert response.status_code == 201
        receipt = response.json()["receipt"]
        assert len(receipt.replace("-", "")) == 12
        # Cast: one pending ballot with its answers packed; settled: a ballot with answer and score rows.
        pending = PendingBallot.objects.get()
        assert pending.group == residents and pending.channel == "online"
        assert len(json.loads(pending.answers)) == len(valid_answers(residents))
        assert not Ballot.objects.exists() and not Answer.objects.exists()
        assert ballots_settle(min_batch=1) == 1 and not PendingBallot.objects.exists()
        ballot = Ballot.objects.get()
        assert ballot.id != pending.id   # a new random id, written in another transaction
        assert ballot.group == residents and ballot.channel == "online"
        assert ballot.profile == {"district": "D1", "age": "60+", "sex": "F"}
        assert Answer.objects.filter(ballot=ballot).count() == len(valid_answers(residents))
        assert Answer.objects.get(ballot=ballot, question__key="channels").choices == ["c0", "c2"]
        assert Answer.objects.get(ballot=ballot, question__key="recommend").number == 8
        # The first unit got overall 4 (80, weight 0.5) and attitude 5 (100, weight 0.1).
        first = residents.units.order_by("code").first()
        assert BallotUnitScore.objects.get(ballot=ballot, unit=first).score == pytest.approx((40 + 10) / 0.6)
        assert SpentTag.objects.count() == 1

    def test_a_used_code_answers_409_and_stores_nothing_more(self, client, codes, residents):
        assert post(client, codes[0], valid_answers(residents)).status_code == 201
        again = post(client, codes[0], valid_answers(residents))
        assert again.status_code == 409 and again.json()["detail"]
        assert client.get(url(codes[0])).status_code == 409
        assert stored_ballots() == 1

    def test_unknown_code_answers_404_and_stores_nothing(self, client, codes, residents):
        assert post(client, "0000-0000-0000-0000-0000", valid_answers(residents)).status_code == 404
        assert stored_ballots() == 0

    @pytest.mark.parametrize("status", ["draft", "closed"])
    def test_a_campaign_that_is_not_open_answers_409_with_the_reason(self, client, codes, residents, status):
        Campaign.objects.filter(pk=residents.campaign_id).update(status=status)
        response = post(client, codes[0], valid_answers(residents))
        assert response.status_code == 409 and "评议" in response.json()["detail"]
        assert stored_ballots() == 0 and not SpentTag.objects.exists()

    def test_past_closing_time_answers_409(self, client, codes, residents):
        import datetime as dt

        from django.utils import timezone

        Campaign.objects.filter(pk=residents.campaign_id).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
        assert post(client, codes[0], valid_answers(residents)).status_code == 409

    @pytest.mark.parametrize("rule", sorted(VALIDATION_RULES))
    def test_each_validation_rule_answers_400_naming_question_and_unit(self, client, codes, residents, rule):
        answers, (question, unit) = break_ballot(rule, residents)
        response = post(client, codes[0], answers)
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert {"question": question, "unit": unit} in [{"question": e["question"], "unit": e["unit"]} for e in errors]
        assert all(e["message"] for e in errors)
        assert stored_ballots() == 0 and Answer.objects.count() == 0
        assert not SpentTag.objects.exists()

    def test_all_problems_are_listed_at_once(self, client, codes, residents):
        answers = [a for a in valid_answers(residents) if a["question"] not in ("age", "sex")]
        errors = post(client, codes[0], answers).json()["errors"]
        assert {e["question"] for e in errors} == {"age", "sex"}

    def test_a_ballot_rating_no_unit_is_refused(self, client, codes, residents):
        answers = [a for a in valid_answers(residents) if a["unit"] is None]
        assert post(client, codes[0], answers).status_code == 400

    def test_errors_are_in_the_requests_language(self, client, codes, residents):
        answers, _where = break_ballot("required profile question missing", residents)
        chinese = post(client, codes[0], answers, "zh-hans").json()["errors"][0]["message"]
        english = post(client, codes[0], answers, "en").json()["errors"][0]["message"]
        assert chinese == "请回答此问题。" and english == "Please answer this question."

    @pytest.mark.parametrize("body", [
        [], {"answers": "x"}, {"answers": [], "extra": 1}, {"answers": [{"question": "age"}]},
        {"answers": [{"question": "age", "unit": None, "value": "60+", "note": "x"}]},
        {"answers": [{"question": 5, "unit": None, "value": "60+"}]},
    ])
    def test_malformed_bodies_answer_400_in_the_errors_shape(self, client, codes, body):
        response = client.post(url(codes[0]), body, content_type="application/json")
        assert response.status_code == 400 and response.json()["errors"][0]["message"]
        assert stored_ballots() == 0

    def test_invalid_json_answers_400(self, client, codes):
        response = client.post(url(codes[0]), "{not json", content_type="application/json")
        assert response.status_code == 400 and "JSON" in response.json()["errors"][0]["message"]


@override_settings(MINPING_CODE_FAILURES_LIMIT=3)
def test_guessing_codes_is_rate_limited(client, codes):
    for _ in range(3):
        assert client.get(url("0000-0000-0000-0000-0000")).status_code == 404
    # Now even a valid code is refused from this client, for the rest of the window.
    assert client.get(url(codes[0])).status_code == 429
    other = client.get(url(codes[0]), REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_open_api_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/ballots/{code}/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()


def test_ping_is_trivial(client):
    assert client.get("/api/v1/ping/").json() == {"ok": True}


def test_invitations_of_another_group_open_that_groups_ballot(client, open_campaign):
    delegates = open_campaign.groups.get(key="delegates")
    code = invitations_issue(group=delegates, count=1, actor="tests")[0]
    assert client.get(url(code)).json()["group"]["key"] == "delegates"


class TestCachedSheets:
    def test_a_renamed_or_deactivated_unit_shows_at_once(self, client, codes, residents):
        unit = residents.units.order_by("code").first()
        assert client.get(url(codes[0])).json()["units"][0]["name"] == unit.name
        unit.name = "新名称"
        unit.save()
        assert client.get(url(codes[0])).json()["units"][0]["name"] == "新名称"
        unit.active = False
        unit.save()
        assert unit.code not in [u["code"] for u in client.get(url(codes[0])).json()["units"]]

    def test_closing_the_campaign_takes_effect_at_once(self, client, codes, residents):
        assert client.get(url(codes[0])).status_code == 200
        Campaign.objects.filter(pk=residents.campaign_id).update(status="closed")  # no signal: a bulk update
        assert client.get(url(codes[0])).status_code == 409
        assert post(client, codes[0], valid_answers(residents)).status_code == 409
