"""The age-friendly (适老化) display: one tap from every public page, remembered by a cookie."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["/", "/b/", "/notices/"])
def test_every_public_page_offers_the_switch(client, page):
    body = client.get(page).content.decode()
    assert 'action="/display/"' in body and "大字版" in body and 'class="elder"' not in body


def test_switching_on_is_remembered_and_comes_back_to_the_page(client):
    response = client.post("/display/", {"mode": "elder", "next": "/b/"})
    assert response.status_code == 303 and response["Location"] == "/b/"
    assert response.cookies["minping_display"]["max-age"] >= 365 * 86400
    body = client.get("/b/").content.decode()
    assert '<html lang="zh-hans" class="elder">' in body and "标准字号" in body
    client.post("/display/", {"mode": "normal", "next": "/b/"})
    assert 'class="elder"' not in client.get("/b/").content.decode()


def test_it_never_redirects_to_another_site(client):
    response = client.post("/display/", {"mode": "elder", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_it_is_switched_by_post_only(client):
    assert client.get("/display/").status_code == 405
