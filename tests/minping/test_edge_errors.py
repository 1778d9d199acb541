"""Bad input at the edges gets a clear 4xx (JSON on the API) and stores nothing; an unreachable
database is a 503 with Retry-After, not a 500."""
import json

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from publicity.models import Objection
from surveys.codes import generate_code
from tests.surveys.conftest import stored_ballots, valid_answers

pytestmark = pytest.mark.django_db


def ballot_url(code):
    return f"/api/v1/ballots/{code}/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class TestJsonNesting:
    def test_control_python_cannot_parse_the_probes_nesting(self):
        """The probe's body: without a bound, parsing it is a RecursionError (a 500)."""
        with pytest.raises(RecursionError):
            json.loads(nested(100_000))

    @pytest.mark.parametrize("depth", [25, 939, 100_000])
    def test_deep_json_is_a_400_and_stores_nothing(self, client, codes, depth):
        body = '{"answers": ' + nested(depth) + "}"
        response = client.post(ballot_url(codes[0]), body, content_type="application/json")
        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert response.json()["errors"][0]["message"]
        assert stored_ballots() == 0

    def test_a_real_ballot_is_well_within_the_bound(self, client, codes, residents):
        response = client.post(ballot_url(codes[0]), {"answers": valid_answers(residents)},
                               content_type="application/json")
        assert response.status_code == 201


def test_json_that_is_not_utf8_is_a_400_and_stores_nothing(client, codes, residents):
    body = json.dumps({"answers": valid_answers(residents)}, ensure_ascii=False).encode().replace(
        "很好".encode(), b"\xff\xfe")
    response = client.post(ballot_url(codes[0]), body, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"]
    assert stored_ballots() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_an_oversized_body_is_a_json_413(client, codes, residents):
    answers = valid_answers(residents) * 20
    response = client.post(ballot_url(codes[0]), {"answers": answers}, content_type="application/json")
    assert response.status_code == 413 and "2000" in response.json()["detail"]
    assert stored_ballots() == 0


def test_unknown_api_urls_and_wrong_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json" and missing.json()["detail"]
    wrong = client.delete(ballot_url("ABCD"))
    assert wrong.status_code == 405 and wrong.json()["detail"]


def test_pages_keep_a_short_page_for_404(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "未找到".encode() in response.content


def _database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server failed: Connection refused")


# A well-formed code (its check character right), so that the look-up reaches the database.
# Ids of their own: a test's id must not change between collections (each pytest-xdist worker collects).
@pytest.mark.parametrize("path", [pytest.param(f"/api/v1/ballots/{generate_code()}/", id="ballot-api"),
                                  pytest.param("/notices/", id="notices")])
def test_an_unreachable_database_is_a_503_with_retry_after(path):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_down):
        response = client.get(path)
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    if path.startswith("/api/"):
        assert response.json()["detail"]


def test_other_server_errors_stay_500(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("publicity.views.selectors.notices_published", broken, raising=True)
    response = Client(raise_request_exception=False).get("/notices/")
    assert response.status_code == 500 and "Retry-After" not in response


class TestInvalidUtf8Forms:
    """Django decodes form fields with errors='replace': without the check, U+FFFD is stored."""

    def test_control_django_would_store_a_replacement_character(self):
        from django.http import QueryDict

        assert QueryDict(b"text=%FF%FE").get("text") == "\ufffd\ufffd"

    @pytest.mark.parametrize("body", [b"text=%FF%FE%E5%BC%82%E8%AE%AE", "text=异议".encode("gb18030")])
    def test_an_objection_with_invalid_utf8_is_refused_and_not_stored(self, client, current, body):
        url = reverse("publicity:objection", args=[current.campaign.slug])
        response = client.post(url, body, content_type="application/x-www-form-urlencoded",
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and b"UTF-8" in response.content
        assert Objection.objects.count() == 0

    def test_valid_utf8_still_goes_through(self, client, current):
        url = reverse("publicity:objection", args=[current.campaign.slug])
        response = client.post(url, "text=异议&contact=".encode(), content_type="application/x-www-form-urlencoded")
        assert response.status_code in (200, 302) and Objection.objects.get().text == "异议"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)
def test_without_a_size_limit_bodies_are_read_whole(client, codes, residents):
    response = client.post(ballot_url(codes[0]), {"answers": valid_answers(residents)}, content_type="application/json")
    assert response.status_code == 201
