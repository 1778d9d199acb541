"""The ballot pages: /b/, /b/<code>/, /c/<campaign>/<group>/ — the same rules as the API."""
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

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


def review(client, url: str, answers: list[dict], **extra):
    """Submit the form: the server's review step (what happens without JavaScript)."""
    return client.post(url, {**form_data(answers), **extra})


def confirm(client, url: str, answers: list[dict], **extra):
    """Submit, then confirm on the review page with the signed answers it carries."""
    page = review(client, url, answers, **extra)
    assert page.status_code == 200, page.content.decode()[:500]
    return client.post(url, {"token": page.context["token"], "idempotency_key": page.context["key"],
                             "step": "confirm"}, **{k: v for k, v in extra.items() if k.startswith("HTTP_")})


class TestEnterCode:
    def test_the_form_posts_the_code(self, client):
        body = client.get("/b/").content.decode()
        assert 'name="code"' in body and "邀请码" in body and 'method="post"' in body

    def test_a_typed_code_is_normalised_and_opened_without_a_query_string(self, client, codes):
        sloppy = codes[0].replace("-", " ").lower()
        response = client.post("/b/", {"code": sloppy})
        assert response.status_code == 303 and response["Location"] == f"/b/{codes[0]}/"

    def test_a_code_in_the_query_string_is_not_followed(self, client, codes):
        response = client.get("/b/", {"code": codes[0]})
        assert response.status_code == 200 and response.context["code"] == ""

    def test_a_mistyped_code_is_explained(self, client):
        response = client.post("/b/", {"code": "ABCD"})
        assert response.status_code == 400 and "邀请码" in response.content.decode()


class TestBallotPage:
    def test_shows_title_instructions_profile_matrix_progress_and_comments(self, client, codes, residents):
        residents.campaign.instructions = "请如实评价。"
        residents.campaign.save()
        body = client.get(f"/b/{codes[0]}/").content.decode()
        assert "测试评议" in body and "请如实评价。" in body
        for unit in residents.units.all():
            assert f'name="u:{unit.code}:overall"' in body and unit.name in body
        assert body.count("<details") == residents.units.count()  # dimensions folded per unit
        assert 'name="q:age"' in body and 'name="q:comments"' in body
        assert f'已评价 <span class="rated">0</span> / {residents.units.count()}' in body

    def test_every_grade_offers_dont_know(self, client, codes, residents):
        body = client.get(f"/b/{codes[0]}/").content.decode()
        unit = residents.units.order_by("code").first()
        assert f'name="u:{unit.code}:overall" value="dk"' in body and "不了解" in body

    def test_the_form_cannot_spend_the_code_by_itself(self, client, codes):
        """Pressing Enter submits a form with its first submit button: here the only one, the review."""
        body = client.get(f"/b/{codes[0]}/").content.decode()
        start = body.index('<form method="post" class="ballot"')
        form = body[start:body.index("</form>", start)]
        assert '<input type="hidden" name="step" value="review">' in form
        assert "confirm" not in form and form.count('type="submit"') == 1

    def test_the_review_lists_the_rated_units_and_spends_nothing(self, client, codes, residents):
        answers = valid_answers(residents)
        first = residents.units.order_by("code").first()
        answers = [dict(a, value="dk") if (a["question"], a["unit"]) == ("overall", first.code) else a for a in answers
                   if (a["question"], a["unit"]) != ("attitude", first.code)]
        page = review(client, f"/b/{codes[0]}/", answers)
        body = page.content.decode()
        total = residents.units.count()
        assert page.status_code == 200 and f"您评价了 {total - 1} / {total} 个单位" in body
        for unit in residents.units.exclude(pk=first.pk):
            assert f"<strong>{unit.name}</strong>：满意" in body
        assert f"不了解：{first.name}" in body
        assert "返回修改" in body and "确认提交" in body
        assert stored_ballots() == 0 and not SpentTag.objects.exists()

    def test_going_back_from_the_review_keeps_every_answer(self, client, codes, residents):
        url = f"/b/{codes[0]}/"
        page = review(client, url, valid_answers(residents))
        back = client.post(url, {"token": page.context["token"], "idempotency_key": page.context["key"], "step": "edit"})
        body = back.content.decode()
        assert back.status_code == 200 and 'name="q:age" value="60+" checked' in body and "很好</textarea>" in body
        assert back.context["key"] == page.context["key"]   # the same ballot: the same idempotency key
        assert stored_ballots() == 0

    def test_confirming_stores_the_ballot_and_redirects_to_the_receipt(self, client, codes, residents):
        response = confirm(client, f"/b/{codes[0]}/", valid_answers(residents))
        assert response.status_code == 303 and response["Location"] == "/receipt/"
        assert PendingBallot.objects.count() == 1 and SpentTag.objects.get()
        assert ballots_settle(min_batch=1) == 1 and Answer.objects.count() == len(valid_answers(residents))
        receipt = client.get("/receipt/")
        assert receipt.status_code == 200 and "回执" in receipt.content.decode()
        number = receipt.context["note"]["receipt"]
        assert client.get("/receipt/").context["note"]["receipt"] == number   # a reload shows the same receipt

    def test_the_script_path_confirms_the_form_directly(self, client, codes, residents):
        response = client.post(f"/b/{codes[0]}/", {**form_data(valid_answers(residents)), "step": "confirm"})
        assert response.status_code == 303 and PendingBallot.objects.count() == 1

    def test_reload_and_back_after_voting_show_the_receipt_not_already_used(self, client, codes, residents):
        url = f"/b/{codes[0]}/"
        page = review(client, url, valid_answers(residents))
        repeat = {"token": page.context["token"], "idempotency_key": page.context["key"], "step": "confirm"}
        assert client.post(url, repeat).status_code == 303
        # The back button to the ballot, and a re-sent confirmation, lead to this browser's receipt.
        for again in (client.get(url), client.post(url, repeat), client.post(url, form_data(valid_answers(residents)))):
            assert again.status_code == 303 and again["Location"] == "/receipt/"
        assert PendingBallot.objects.count() == 1

    def test_a_confirmation_whose_answer_was_lost_gets_the_same_receipt_not_already_used(self, client, codes,
                                                                                         residents):
        """The first confirmation was stored, but its 303 and cookie never reached the phone, which
        sends the same confirmation again: same key, same answers — the same receipt, one ballot."""
        url = f"/b/{codes[0]}/"
        page = review(client, url, valid_answers(residents))
        confirmation = {"token": page.context["token"], "idempotency_key": page.context["key"], "step": "confirm"}
        assert client.post(url, confirmation).status_code == 303
        first = client.get("/receipt/").context["note"]["receipt"]
        client.cookies.clear()                                   # the lost answer: no receipt cookie here
        again = client.post(url, confirmation)
        assert again.status_code == 303 and again["Location"] == "/receipt/"
        assert client.get("/receipt/").context["note"]["receipt"] == first
        assert PendingBallot.objects.count() == 1

    def test_a_confirmation_with_another_key_is_still_already_used(self, client, codes, residents):
        """Two forms of one code (two tabs, or two people with one slip): the second is refused."""
        url = f"/b/{codes[0]}/"
        first, second = (review(client, url, valid_answers(residents)) for _ in range(2))
        assert first.context["key"] != second.context["key"]

        def send(page):
            return client.post(url, {"token": page.context["token"], "idempotency_key": page.context["key"],
                                     "step": "confirm"})
        assert send(first).status_code == 303
        client.cookies.clear()
        response = send(second)
        assert response.status_code == 409 and "已被使用" in response.content.decode()
        assert PendingBallot.objects.count() == 1

    def test_a_used_invitation_says_so_to_everybody_else(self, client, codes, residents):
        confirm(client, f"/b/{codes[0]}/", valid_answers(residents))
        client.cookies.clear()
        response = client.get(f"/b/{codes[0]}/")
        assert response.status_code == 409 and "已被使用" in response.content.decode()

    def test_a_receipt_of_another_code_does_not_open_this_one(self, client, codes, residents):
        confirm(client, f"/b/{codes[0]}/", valid_answers(residents))
        other = Client().post(f"/api/v1/ballots/{codes[1]}/", {"answers": valid_answers(residents)},
                              content_type="application/json")   # somebody else spends the second code
        assert other.status_code == 201
        assert client.get(f"/b/{codes[1]}/").status_code == 409

    def test_the_receipt_cookie_holds_neither_the_code_nor_anything_stored(self, client, codes, residents):
        confirm(client, f"/b/{codes[0]}/", valid_answers(residents))
        cookie = client.cookies["minping_receipt"]
        assert cookie["httponly"] and codes[0] not in cookie.value and codes[0].replace("-", "") not in cookie.value
        number = client.get("/receipt/").context["note"]["receipt"]
        pending = PendingBallot.objects.get()
        assert number not in str(pending.__dict__) and number.replace("-", "").lower() not in str(pending.__dict__).lower()

    def test_a_forged_review_is_refused_and_nothing_is_stored(self, client, codes, residents):
        url = f"/b/{codes[0]}/"
        page = review(client, url, valid_answers(residents))
        response = client.post(url, {"token": page.context["token"][:-2] + "xx", "step": "confirm"})
        assert response.status_code == 400 and stored_ballots() == 0

    def test_no_receipt_without_a_ballot(self, client):
        response = client.get("/receipt/")
        assert response.status_code == 404 and "本设备上没有回执" in response.content.decode()

    def test_unknown_code(self, client):
        response = client.get("/b/0000-0000-0000-0000-0000/")
        assert response.status_code == 404

    @pytest.mark.parametrize("step", ["review", "confirm"])
    @pytest.mark.parametrize("rule", sorted(VALIDATION_RULES))
    def test_each_validation_rule_is_shown_and_nothing_is_stored(self, client, codes, residents, rule, step):
        answers, (question, unit) = break_ballot(rule, residents)
        response = client.post(f"/b/{codes[0]}/", {**form_data(answers), "step": step})
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
        assert confirm(client, self.url(walk_ins), valid_answers(walk_ins)).status_code == 303
        assert PendingBallot.objects.get().suspected_duplicate is False

    def test_invitation_groups_have_no_open_link(self, client, residents):
        assert client.get(self.url(residents)).status_code == 404

    def test_a_second_ballot_from_the_same_browser_is_flagged_not_blocked(self, client, walk_ins):
        confirm(client, self.url(walk_ins), valid_answers(walk_ins), HTTP_USER_AGENT="phone A")
        confirm(client, self.url(walk_ins), valid_answers(walk_ins), HTTP_USER_AGENT="phone A")
        confirm(client, self.url(walk_ins), valid_answers(walk_ins), HTTP_USER_AGENT="phone B")
        assert sorted(PendingBallot.objects.values_list("suspected_duplicate", flat=True)) == [False, False, True]

    def test_an_invalid_attempt_does_not_count_as_a_first_ballot(self, client, walk_ins):
        client.post(self.url(walk_ins), {"step": "confirm"})
        confirm(client, self.url(walk_ins), valid_answers(walk_ins))
        assert PendingBallot.objects.get().suspected_duplicate is False

    @override_settings(MINPING_OPEN_BALLOTS_LIMIT=2)
    def test_ballots_per_client_are_limited(self, client, walk_ins):
        for _ in range(2):
            assert confirm(client, self.url(walk_ins), valid_answers(walk_ins)).status_code == 303
        refused = confirm(client, self.url(walk_ins), valid_answers(walk_ins))
        assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
        assert re.search(r"请在 \d\d:\d\d 之后再试", refused.content.decode())    # the limiter's window end
        assert PendingBallot.objects.count() == 2
        other = client.post(self.url(walk_ins), {**form_data(valid_answers(walk_ins)), "step": "confirm"},
                            REMOTE_ADDR="10.1.2.3")
        assert other.status_code == 303


@override_settings(MINPING_CODE_FAILURES_LIMIT=2)
def test_no_code_reaches_the_application_logs_on_the_whole_way_through(client, codes, residents):
    """What the configured log handlers write while a code is typed, reviewed, confirmed, reopened,
    mistyped and guessed: never a code, in any spelling."""
    import io
    import logging

    written = io.StringIO()
    handlers = {h for name in ("", "django", "django.request", "django.server") for h in logging.getLogger(name).handlers
                if isinstance(h, logging.StreamHandler) and not type(h).__module__.startswith("_pytest")}
    streams = {h: h.setStream(written) for h in handlers}
    try:
        opened = client.post("/b/", {"code": codes[0].lower()})
        confirm(client, opened["Location"], valid_answers(residents))
        client.cookies.clear()
        client.get(opened["Location"])                                 # 409: used
        client.post("/b/", {"code": codes[1][:-1]})                    # 400: mistyped
        for guess in ("0000-0000-0000-0000-0000", "1111-1111-1111-1111-1113", codes[2]):
            client.get(f"/b/{guess}/")                                 # 404, 404, then 429
        client.get(f"/api/v1/ballots/{codes[3]}/", {"residence": "x"})
    finally:
        for handler, stream in streams.items():
            handler.setStream(stream)
    log = written.getvalue()
    assert "Not Found: /b/****/" in log and "Conflict: /b/****/" in log and "Too Many Requests: /b/****/" in log
    for code in codes:
        for spelling in (code, code.replace("-", ""), code.lower(), code[:-1]):
            assert spelling not in log
