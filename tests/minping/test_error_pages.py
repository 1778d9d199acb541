"""Error pages (400, 403, 404, 429, 500) in the site's style and the reader's language; JSON stays
JSON under /api/; 429 says when to try again."""
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLES = {  # status: (Chinese title, English title)
    400: ("请求有误", "Bad request"), 403: ("无权访问", "Access denied"), 404: ("页面不存在", "Page not found"),
    429: ("尝试次数过多", "Too many attempts"), 500: ("服务器错误", "Server error"),
}


def _broken(*args, **kwargs):
    raise ValueError("a bug")


def provoke(status: int, client: Client, monkeypatch):
    """A real request that ends in `status`."""
    if status == 400:   # a form body that is not UTF-8
        return client.post("/b/", b"code=\xff\xfe", content_type="application/x-www-form-urlencoded")
    if status == 403:   # a signed-in person without a role on a staff page
        client.force_login(UserFactory(username="nobody"))
        return client.get("/jobs/")
    if status == 404:
        return client.get("/no-such-page/")
    if status == 429:   # a locked-out sign-in
        for i in range(settings.AXES_FAILURE_LIMIT):
            client.post("/accounts/login/", {"username": f"guess{i}", "password": "x"}, REMOTE_ADDR="203.0.113.9")
        return client.post("/accounts/login/", {"username": "a", "password": "b"}, REMOTE_ADDR="203.0.113.9")
    monkeypatch.setattr("publicity.views.selectors.notices_published", _broken)
    return client.get("/notices/")


@pytest.mark.parametrize("status", sorted(TITLES))
def test_each_error_is_the_sites_page_in_chinese_by_default(status, monkeypatch):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = provoke(status, client, monkeypatch)
    body = response.content.decode()
    assert response.status_code == status and response["Content-Type"].startswith("text/html")
    assert '<html lang="zh-hans">' in body and 'class="site-header"' in body and 'href="/static/css/minping.css"' in body
    assert f"<h1>{TITLES[status][0]}</h1>" in body and f"错误代码 {status}" in body and "返回首页" in body


@pytest.mark.parametrize("status", sorted(TITLES))
def test_each_error_is_in_english_when_chosen(status, monkeypatch):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = provoke(status, client, monkeypatch)
    body = response.content.decode()
    assert response.status_code == status and '<html lang="en">' in body
    assert f"<h1>{TITLES[status][1]}</h1>" in body and f"Error {status}" in body and "返回首页" not in body


def test_the_429_page_says_when_and_sends_retry_after(monkeypatch):
    response = provoke(429, Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans"), monkeypatch)
    seconds = int(response["Retry-After"])
    assert 0 < seconds <= settings.AXES_COOLOFF_TIME.total_seconds()
    minutes = re.search(r"请在 \d\d:\d\d 之后再试（约 (\d+) 分钟后）", response.content.decode()).group(1)
    assert int(minutes) == -(-seconds // 60)


def test_the_signed_in_name_is_on_error_pages_too(client):
    client.force_login(UserFactory(username="wang"))
    body = client.get("/no-such-page/").content.decode()
    assert "已登录：wang" in body


def test_api_errors_stay_json(client):
    missing = client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert "<html" not in missing.content.decode()


def test_a_form_without_its_csrf_token_gets_the_styled_403():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403 and "表单已过期" in response.content.decode()
