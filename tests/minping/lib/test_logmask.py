"""Codes never reach a log: masking of paths, query strings, Referer headers and bare codes; a live
gunicorn writes its access log as configured, with codes masked."""
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from minping.lib.logmask import MaskingFormatter, mask_codes
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[3]
CODE = "ABCD-EFGH-JKMN-PQRS-TVW1"
VARIANTS = (CODE, CODE.replace("-", ""), CODE.lower(), CODE.replace("-", " "))


class TestMasking:
    @pytest.mark.parametrize("line", [
        f'"GET /b/?code={CODE} HTTP/1.1" 200',
        f'"GET /b/?lang=en&CODE={CODE.lower()}&x=1 HTTP/1.1" 200',
        f'"GET /b/?code={CODE.replace("-", "+")} HTTP/1.1" 200',
        f'"GET /notices/ HTTP/1.1" 200 512 "https://minping.example.org/b/{CODE}/" "Mozilla/5.0"',
        f'"GET /static/x.css HTTP/1.1" 200 512 "https://minping.example.org/b/?code={CODE}" "Mozilla/5.0"',
        f"Invalid code typed: {CODE.replace('-', ' ')}",
        f"payload {CODE.replace('-', '')} refused",
    ])
    def test_a_code_is_masked_wherever_it_appears(self, line):
        masked = mask_codes(line)
        assert not any(variant.upper() in masked.upper().replace("+", " ") for variant in VARIANTS), masked
        assert "****" in masked

    def test_other_text_is_left_alone(self):
        line = '"GET /notices/3/ HTTP/1.1" 200 "https://x.org/notices/?page=2" 8d0c3f2e-1b2a-4c5d-9e8f-7a6b5c4d3e2f'
        assert mask_codes(line) == line

    def test_tracebacks_are_masked_too(self):
        try:
            raise ValueError(f"bad code {CODE}")
        except ValueError:
            record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
        text = MaskingFormatter().format(record)
        assert "ValueError" in text and CODE not in text


def _get(port: int, path: str, referer: str | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Referer": referer} if referer else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite site for gunicorn to serve (the suite's own database is not visible to it)."""
    folder = tmp_path_factory.mktemp("gunicorn-site")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minping.settings.test",
           "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}", "ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("MINPING_REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    return folder, env


def _serve_and_browse(site, *extra_args) -> dict[str, str]:
    """Run gunicorn on loopback with an access and an error log file, send requests carrying a code in
    every place a code can travel, stop it; returns the text of each log."""
    folder, env = site
    logs = {name: folder / f"{name}-{len(extra_args)}.log" for name in ("access", "error", "stderr")}
    port = free_port()
    with open(logs["stderr"], "w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "minping.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1",
             "--access-logfile", str(logs["access"]), "--error-logfile", str(logs["error"]), *extra_args],
            cwd=ROOT, env=env, stdout=stderr, stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            statuses = [
                _get(port, f"/b/?code={CODE}"),
                _get(port, f"/b/{CODE}/"),
                _get(port, f"/b/{CODE.replace('-', '').lower()}/"),
                _get(port, f"/api/v1/ballots/{CODE}/"),
                _get(port, "/notices/", referer=f"http://127.0.0.1:{port}/b/{CODE}/"),
                _get(port, "/static/css/minping.css", referer=f"http://127.0.0.1:{port}/b/?code={CODE}"),
            ]
            assert statuses[4] == 200 and statuses[1] == 404 and max(statuses) < 500, statuses
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {name: path.read_text() for name, path in logs.items()}


def _leaks(text: str) -> list[str]:
    return [variant for variant in VARIANTS if variant.upper() in text.upper()]


def test_live_gunicorn_writes_its_access_log_with_codes_masked(site):
    logs = _serve_and_browse(site)
    access = logs["access"].splitlines()
    assert len(access) == 6, logs  # the access log works as configured: one line per request
    assert sum("/b/****" in line for line in access) >= 3
    assert "Not Found: /b/****/" in logs["stderr"]  # the application's own log (django.request)
    for name, text in logs.items():
        assert _leaks(text) == [], f"{name} log: {text}"


def test_control_gunicorns_plain_logger_writes_the_code(site):
    """The same requests with gunicorn's own logger class: the access log carries the code, so the
    test above would see a leak."""
    logs = _serve_and_browse(site, "--logger-class", "gunicorn.glogging.Logger")
    assert CODE in logs["access"] and len(logs["access"].splitlines()) == 6
