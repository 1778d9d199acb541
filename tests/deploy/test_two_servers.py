"""Nothing is tied to one app server: two gunicorn servers and one job worker on one PostgreSQL, on
loopback, each server with its own local disk (MINPING_VAR_DIR) and the shared media and upload
storage a deployment gives them. A paper import checked through one server is confirmed through the
other; a client limited on one is limited on the other; a campaign scored through one is seen on both."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from jobs.models import Job
from scoring.models import ScoreRun
from surveys.codes import generate_code
from surveys.models import Ballot
from tests.processes import free_port, site_env, wait_for
from tests.surveys.test_paper_ballots import _csv, _units

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "two-servers-Pa55word"


@pytest.fixture
def site(tmp_path, request):
    """(url of server A, url of server B): two gunicorns and a worker sharing one database."""
    shared = tmp_path / "shared"   # stands in for the object store both servers use
    env = site_env(ALLOWED_HOSTS="127.0.0.1", MEDIA_ROOT=shared / "media", MINPING_UPLOAD_DIR=shared / "uploads",
                   MINPING_CODE_FAILURES_LIMIT=3)
    processes, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        server_env = {**env, "MINPING_VAR_DIR": str(tmp_path / f"server-{name}")}   # its own local disk
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "minping.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "2"], cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        urls.append(f"http://127.0.0.1:{port}")
    processes.append(subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"], cwd=ROOT,
        env={**env, "MINPING_VAR_DIR": str(tmp_path / "worker")}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))

    def stop():
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    request.addfinalizer(stop)

    def up(url):
        try:
            return requests.get(url + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:   # not listening yet, or still loading the app
            return False
    for url in urls:
        wait_for(lambda url=url: up(url), seconds=60, every=0.1)
    return urls


def signed_in(url: str, user) -> requests.Session:
    """A staff member's browser: cookies belong to the host, not the port, so it reaches both servers."""
    browser = requests.Session()
    browser.get(url + "/admin/login/")
    response = browser.post(url + "/admin/login/", data={
        "username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "next": "/admin/"}, allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    return browser


def post(browser: requests.Session, url: str, **kwargs) -> requests.Response:
    data = {**kwargs.pop("data", {}), "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    return browser.post(url, data=data, allow_redirects=False, **kwargs)


def finished(job_id: str) -> Job:
    wait_for(lambda: Job.objects.get(pk=job_id).finished, seconds=60, every=0.1)
    return Job.objects.get(pk=job_id)


@pytest.fixture
def staff_member(staff):
    # The servers run the production hashers, not the test settings' fast MD5.
    staff.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    staff.save()
    return staff


def test_a_paper_import_checked_on_one_server_is_confirmed_on_the_other(site, staff_member, residents, tmp_path):
    a, b = site
    browser = signed_in(a, staff_member)
    unit = _units(residents)[0]
    sheet = _csv(tmp_path, ["district", "age", "sex", f"{unit}:overall"], [["D1", "60+", "F", "5"], ["D2", "18-34", "M", "4"]])
    browser.get(a + "/admin/surveys/paperimport/upload/")
    with sheet.open("rb") as handle:
        checked = post(browser, a + "/admin/surveys/paperimport/upload/", data={"group": residents.pk},
                       files={"file": ("ballots.csv", handle, "text/csv")})
    assert checked.status_code == 302, checked.text[:500]
    check = finished(checked.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert check.status == Job.Status.SUCCEEDED and check.result["ok"], (check.error, check.result)
    page = browser.get(b + f"/jobs/{check.pk}/").text                 # the other server shows the check …
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    confirmed = post(browser, b + "/admin/surveys/paperimport/upload/", data={"confirm": "1", "token": token})
    assert confirmed.status_code == 302, confirmed.text[:500]           # … and confirms it
    imported = finished(confirmed.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert imported.status == Job.Status.SUCCEEDED, imported.error
    assert Ballot.objects.filter(channel="paper").count() == 2


def test_a_client_limited_on_one_server_is_limited_on_the_other(site, residents):
    a, b = site
    for _ in range(3):   # well-formed codes nobody was given: each counts against this address
        assert requests.get(f"{a}/b/{generate_code()}/", timeout=10).status_code == 404
    assert requests.get(f"{b}/b/{generate_code()}/", timeout=10).status_code == 429


def test_a_campaign_scored_through_one_server_is_seen_on_both(site, staff_member, residents):
    a, b = site
    browser = signed_in(a, staff_member)
    campaign = residents.campaign
    browser.get(f"{a}/results/{campaign.slug}/")
    started = post(browser, f"{a}/results/{campaign.slug}/score/")
    assert started.status_code == 302, started.text[:500]
    job = finished(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert job.status == Job.Status.SUCCEEDED, job.error
    run = ScoreRun.objects.get(campaign=campaign)
    for url in (a, b):
        page = browser.get(f"{url}/results/{campaign.slug}/")
        assert page.status_code == 200 and run.input_digest[:16] in page.text, url
