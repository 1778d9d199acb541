"""Limits hold across processes (a shared cache) and count per client behind trusted proxies."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from minping.lib import ratelimit

ROOT = Path(__file__).resolve().parents[3]


class TestClientAddress:
    def request(self, forwarded=None, peer="10.0.0.1"):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)

    def test_without_trusted_proxies_the_peer_is_the_client_and_the_header_is_ignored(self):
        assert settings.MINPING_TRUSTED_PROXIES == 0
        assert ratelimit.client_address(self.request("203.0.113.9")) == "10.0.0.1"

    @override_settings(MINPING_TRUSTED_PROXIES=1)
    def test_behind_one_proxy_the_last_entry_is_the_client_whatever_the_client_wrote(self):
        assert ratelimit.client_address(self.request("203.0.113.9")) == "203.0.113.9"
        # A client that sends its own X-Forwarded-For only adds entries on the left.
        assert ratelimit.client_address(self.request("1.2.3.4, 5.6.7.8, 203.0.113.9")) == "203.0.113.9"
        assert ratelimit.client_address(self.request()) == "10.0.0.1"

    @override_settings(MINPING_TRUSTED_PROXIES=2)
    def test_behind_two_proxies_the_second_entry_from_the_end(self):
        assert ratelimit.client_address(self.request("1.2.3.4, 203.0.113.9, 10.0.0.7")) == "203.0.113.9"
        assert ratelimit.client_address(self.request("203.0.113.9")) == "203.0.113.9"

    @override_settings(MINPING_TRUSTED_PROXIES=1)
    def test_citizens_behind_the_proxy_get_separate_buckets(self):
        first = ratelimit.client_fingerprint(self.request("203.0.113.9"))
        assert first != ratelimit.client_fingerprint(self.request("203.0.113.10"))

    def test_control_without_the_setting_everyone_behind_the_proxy_shares_one_bucket(self):
        assert ratelimit.client_fingerprint(self.request("203.0.113.9")) == \
            ratelimit.client_fingerprint(self.request("203.0.113.10"))


_PROCESS = textwrap.dedent("""
    import sys
    import django
    django.setup()
    from django.core.management import call_command
    from django.test import override_settings
    from minping.lib import ratelimit

    role, backend = sys.argv[1], sys.argv[2]
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}} if backend == "locmem" else None
    with override_settings(**({"CACHES": caches} if caches else {})):
        if role == "first":
            call_command("migrate", "surveys", verbosity=0)  # creates the cache table
            for _ in range(3):
                ratelimit.hit("code-failures", "client-a", 600)
        print("blocked" if ratelimit.over_limit("code-failures", "client-a", 3) else "free")
""")


def _run(role: str, backend: str, database: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minping.settings.test", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("MINPING_REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", _PROCESS, role, backend], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


@pytest.mark.parametrize(("backend", "second_sees"), [("default", "blocked"), ("locmem", "free")])
def test_two_processes_share_a_limit(tmp_path, backend, second_sees):
    """Two processes (two app servers' workers): the second sees the first one's hits with the default
    shared cache; the control, a per-process cache as before, lets the second start from zero."""
    database = tmp_path / "shared.sqlite3"
    assert _run("first", backend, database) == "blocked"
    assert _run("second", backend, database) == second_sees


def test_default_cache_is_shared_and_redis_when_configured():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    env = {"PATH": os.environ["PATH"], "SECRET_KEY": "x" * 50, "MINPING_REDIS_URL": "redis://cache.internal:6379/2",
           "MINPING_VAR_DIR": str(ROOT / "var")}
    code = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-2:] == ["django.core.cache.backends.redis.RedisCache",
                                          "redis://cache.internal:6379/2"], result.stderr
