"""`make demo` (seed_demo) prints both demo sign-ins, and both work at /accounts/login/."""
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from surveys.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_the_printed_staff_and_contact_sign_ins_work(settings):
    settings.MINPING_BASE_URL = "http://testserver"
    seed_demo(ballots=30, seed=3, base_url="http://testserver")
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    printed = out.getvalue()
    landing = {"staff": "/staff/", "contact": "/results/"}
    for user, password in re.findall(r"(\w+) / ([\w-]+)\D*?http://testserver/accounts/login/", printed):
        client = Client()
        assert client.post("/accounts/login/", {"username": user, "password": password}).status_code == 302
        assert client.get("/accounts/start/")["Location"] == landing.pop(user)
    assert landing == {}, printed
