"""Settings come from the environment; production is secure by default."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from minping.settings.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 10 + "Zq8#vR2!mW5@pL9$xT4%nB7^cF1&hJ6*dG3(sK0)yE" * 2


def _manage(*args, **env):
    """Run manage.py in a clean environment (only what the test sets, plus PATH)."""
    base = {"PATH": os.environ["PATH"], "MINPING_VAR_DIR": os.environ.get("TMPDIR", "/tmp") + "/minping-settings-test"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DJANGO_SETTINGS_MODULE="minping.settings.production",
                     SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="minping.example.org")
    assert result.returncode == 0, result.stderr


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_run_without_allowed_hosts():
    result = _manage("check", DJANGO_SETTINGS_MODULE="minping.settings.production", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", DJANGO_SETTINGS_MODULE="minping.settings.production", SECRET_KEY=STRONG_KEY,
                     ALLOWED_HOSTS="x.org", DEBUG="1")
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr


def test_debug_generates_a_development_key_and_keeps_it(tmp_path):
    env = {"DEBUG": "1", "MINPING_VAR_DIR": str(tmp_path)}
    first = _manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", **env)
    second = _manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", **env)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50 and key == second.stdout.strip().splitlines()[-1]


def test_database_url_selects_postgresql():
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['PORT'])"
    result = _manage("shell", "-c", code, DEBUG="1", DATABASE_URL="postgres://u:p@db.internal:6543/minping")
    assert result.stdout.split()[-3:] == ["django.db.backends.postgresql", "minping", "6543"], result.stderr


def test_default_database_is_sqlite_under_var(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = _manage("shell", "-c", code, DEBUG="1", MINPING_VAR_DIR=str(tmp_path))
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path / "minping.sqlite3")


class TestEnvHelpers:
    @pytest.mark.parametrize("raw,expected", [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)])
    def test_booleans(self, monkeypatch, raw, expected):
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG") is expected

    def test_an_unknown_boolean_is_an_error_not_false(self, monkeypatch):
        monkeypatch.setenv("FLAG", "ture")
        with pytest.raises(ImproperlyConfigured, match="FLAG"):
            env_bool("FLAG")

    def test_missing_boolean_takes_the_default(self, monkeypatch):
        monkeypatch.delenv("FLAG", raising=False)
        assert env_bool("FLAG", True) is True

    def test_lists_and_integers(self, monkeypatch):
        monkeypatch.setenv("HOSTS", " a.org, b.org ,,")
        monkeypatch.setenv("N", "x")
        assert env_list("HOSTS") == ["a.org", "b.org"]
        with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
            env_int("N", 1)
