"""The ballot pages: /b/, /b/<code>/, /c/<campaign>/<group>/ — the same rules as the API."""
import pytest
from django.core.cache import cache
from django.test import override_settings

from surveys.ballot_page import field_name
from surveys.ballots import ballots_settle
from surveys.models import Answer, EvaluatorGroup, PendingBallot, SpentTag

from .conftest import VALIDATION_RULES, break_ballot, stored_ballots, valid_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def form_data(answers: list[dict]) -> dict:
    """The POST a browser would send for these answers (lists for repeated fields)."""
    data: dict[str, list] = {}
    for answer in answers:
        name = f"u:{answer['unit']}:{answer['question']}" if answer["unit"] else f"q:{answer['question']}"
        values = answer["value"] if isinstance(answer["value"], list) else [answer["value"]]
        data.setdefault(name, []).extend(str(v) for v in values)
    return data


class TestEnterCode:
    def test_the_form_page(self, client):
        body = client.get("/b/").content.decode()
        assert 'name="code"' in body and "邀请码" in body

    def test_a_typed_code_is_normalised_and_opened(self, client, codes):
        sloppy = codes[0].replace("-", " ").lower()
        response = client.get("/b/", {"code": sloppy})
        assert response.status_code == 302 and response["Location"] == f"/b/{codes[0]}/"

    def test_a_mistyped_code_is_explained(self, client):
        response = client.get("/b/", {"code": "ABCD"})
        assert response.status_code == 400 and "邀请码" in response.content.decode()


class TestBallotPage:
    def test_shows_title_instructions_profile_matrix_and_comments(self, client, codes, residents):
        residents.campaign.instructions = "请如实评价。"
        residents.campaign.save()
        body = client.get(f"/b/{codes[0]}/").content.decode()
        assert "测试评议" in body and "请如实评价。" in body
        for unit in residents.units.all():
            assert f'name="u:{unit.code}:overall"' in body and unit.name in body
        assert body.count("<details") == residents.units.count()  # dimensions folded per unit
        assert 'name="q:age"' in body and 'name="q:comments"' in body

    def test_submitting_shows_a_receipt_and_stores_the_ballot(self, client, codes, residents):
        response = client.post(f"/b/{codes[0]}/", form_data(valid_answers(residents)))
        assert response.status_code == 201
        assert "回执" in response.content.decode()
        assert PendingBallot.objects.count() == 1 and SpentTag.objects.get()
        assert ballots_settle(min_batch=1) == 1 and Answer.objects.count() == len(valid_answers(residents))

    def test_a_used_invitation_says_so(self, client, codes, residents):
        client.post(f"/b/{codes[0]}/", form_data(valid_answers(residents)))
        response = client.get(f"/b/{codes[0]}/")
        assert response.status_code == 409 and "已被使用" in response.content.decode()

    def test_unknown_code(self, client):
        response = client.get("/b/0000-0000-0000-0000-0000/")
        assert response.status_code == 404

    @pytest.mark.parametrize("rule", sorted(VALIDATION_RULES))
    def test_each_validation_rule_is_shown_and_nothing_is_stored(self, client, codes, residents, rule):
        answers, (question, unit) = break_ballot(rule, residents)
        response = client.post(f"/b/{codes[0]}/", form_data(answers))
        assert response.status_code == 400
        context = response.context
        assert any(e["message"] for e in context["error_summary"])
        assert 'class="error-summary"' in response.content.decode()
        assert stored_ballots() == 0 and not SpentTag.objects.exists()

    def test_a_missing_required_answer_is_named_and_the_other_answers_are_kept(self, client, codes, residents):
        answers, _where = break_ballot("required per-unit question missing for a rated unit", residents)
        first = residents.units.order_by("code").first()
        response = client.post(f"/b/{codes[0]}/", form_data(answers))
        body = response.content.decode()
        summary = response.context["error_summary"]
        assert summary[0]["anchor"] == f"unit-{first.code}" and first.name in summary[0]["where"]
        # The answers given are still selected.
        assert 'name="q:age" value="60+" checked' in body
        last = residents.units.order_by("code").last()
        assert f'name="{field_name(residents.campaign.questionnaire.questions.get(key="overall"), last)}" value="4" checked' in body
        assert "很好</textarea>" in body


class TestOpenAccess:
    @pytest.fixture
    def walk_ins(self, open_campaign):
        group = open_campaign.groups.get(key="delegates")
        EvaluatorGroup.objects.filter(pk=group.pk).update(access="open")
        return EvaluatorGroup.objects.get(pk=group.pk)

    def url(self, group):
        return f"/c/{group.campaign.slug}/{group.key}/"

    def test_open_ballot_without_a_code(self, client, walk_ins):
        assert client.get(self.url(walk_ins)).status_code == 200
        assert client.post(self.url(walk_ins), form_data(valid_answers(walk_ins))).status_code == 201
        assert PendingBallot.objects.get().suspected_duplicate is False

    def test_invitation_groups_have_no_open_link(self, client, residents):
        assert client.get(self.url(residents)).status_code == 404

    def test_a_second_ballot_from_the_same_browser_is_flagged_not_blocked(self, client, walk_ins):
        client.post(self.url(walk_ins), form_data(valid_answers(walk_ins)), HTTP_USER_AGENT="phone A")
        client.post(self.url(walk_ins), form_data(valid_answers(walk_ins)), HTTP_USER_AGENT="phone A")
        client.post(self.url(walk_ins), form_data(valid_answers(walk_ins)), HTTP_USER_AGENT="phone B")
        assert sorted(PendingBallot.objects.values_list("suspected_duplicate", flat=True)) == [False, False, True]

    def test_an_invalid_attempt_does_not_count_as_a_first_ballot(self, client, walk_ins):
        client.post(self.url(walk_ins), {})
        client.post(self.url(walk_ins), form_data(valid_answers(walk_ins)))
        assert PendingBallot.objects.get().suspected_duplicate is False

    @override_settings(MINPING_OPEN_BALLOTS_LIMIT=2)
    def test_ballots_per_client_are_limited(self, client, walk_ins):
        for _ in range(2):
            assert client.post(self.url(walk_ins), form_data(valid_answers(walk_ins))).status_code == 201
        assert client.post(self.url(walk_ins), form_data(valid_answers(walk_ins))).status_code == 429
        assert PendingBallot.objects.count() == 2
        other = client.post(self.url(walk_ins), form_data(valid_answers(walk_ins)), REMOTE_ADDR="10.1.2.3")
        assert other.status_code == 201
