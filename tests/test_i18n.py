"""Simplified Chinese by default, English on request, a language switch on every page."""
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db
LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_home_page_is_chinese_by_default(client):
    response = client.get(reverse("home"))
    assert response["Content-Language"] == "zh-hans"
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body and "民评" in body


def test_switching_to_english_sticks_for_the_session(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body and "Minping" in body and "民评市" not in body


def test_every_page_has_the_language_switch(client, staff):
    client.force_login(staff)
    for url in (reverse("home"), reverse("admin:index")):
        assert 'action="/i18n/setlang/"' in client.get(url).content.decode(), url


def test_the_catalogue_translates_every_message():
    """No message left untranslated or fuzzy in the Chinese catalogue."""
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert stats.returncode == 0, stats.stderr
    assert "untranslated" not in stats.stderr and "fuzzy" not in stats.stderr, stats.stderr


def test_service_errors_follow_the_active_language(campaign, staff):
    from surveys.services import TransitionRefused, campaign_set_status

    for language, expected in (("zh-hans", "不能"), ("en", "cannot")):
        with translation.override(language), pytest.raises(TransitionRefused) as refused:
            campaign_set_status(campaign=campaign, status="final", actor=staff)
        assert expected in refused.value.reasons[0]
