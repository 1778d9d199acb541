"""The nginx log format of deploy/nginx/ keeps invitation codes out of the access log, run in a real
nginx: codes in the ballot path, in the ballot API's path, in a `code=` query and in the Referer."""
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CODE = "7QK2-M9XD-4HVA-RT3B-ZP8E"
pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is installed by `make test`")


@pytest.fixture
def nginx(tmp_path):
    port = free_port()
    (tmp_path / "nginx.conf").write_text(f"""
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include {ROOT}/deploy/nginx/minping-logging.conf;
    access_log {tmp_path}/masked.log minping;
    access_log {tmp_path}/raw.log combined;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok"; }}
    }}
}}
""")
    server = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", tmp_path
    server.terminate()
    server.wait(timeout=10)


def get(base: str, path: str, referer: str | None = None) -> None:
    request = urllib.request.Request(base + path, headers={"Referer": referer} if referer else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_no_code_reaches_the_masked_access_log(nginx):
    base, logs = nginx
    get(base, f"/b/{CODE}/")
    get(base, f"/api/v1/ballots/{CODE}/?lang=en")
    get(base, f"/b/?code={CODE}&x=1")
    get(base, "/static/ballot.css", referer=f"https://minping.example/b/{CODE}/")
    get(base, "/", referer=f"https://minping.example/b/?code={CODE}")
    get(base, "/notices/")  # an ordinary request goes through unchanged
    raw = (logs / "raw.log").read_text()
    masked = (logs / "masked.log").read_text()
    # The control: nginx's own format logs every code sent.
    assert raw.count(CODE) == 5
    assert CODE not in masked and CODE.replace("-", "") not in masked
    assert masked.count("****") == 5
    assert "GET /b/****/ " in masked and "GET /api/v1/ballots/****/?lang=en " in masked
    assert "GET /b/?code=****&x=1 " in masked and '"https://minping.example/b/****/"' in masked
    assert "GET /notices/ " in masked


def test_the_shipped_site_configuration_is_valid_nginx(tmp_path):
    """`nginx -t` on deploy/nginx/minping.conf as shipped, with only its paths pointed at tmp_path."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"], check=True, capture_output=True)
    site = (ROOT / "deploy/nginx/minping.conf").read_text()
    site = (site.replace("/etc/nginx/conf.d/minping-logging.conf", str(ROOT / "deploy/nginx/minping-logging.conf"))
            .replace("/etc/letsencrypt/live/minping.example.gov.cn/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/minping.example.gov.cn/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    directives = [line for line in site.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in directives if "/etc/" in line or "/var/" in line]
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n")
    checked = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
