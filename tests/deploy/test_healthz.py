"""`/healthz` tells a load balancer whether this server reaches the database, and a monitor whether
settling keeps up — without publishing how many ballots are waiting."""
import pytest
from django.db import OperationalError

from surveys.models import PendingBallot
from tests.surveys.test_settling import cast

pytestmark = pytest.mark.django_db


def test_a_healthy_server_answers_ok_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "settling": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_a_settling_backlog_over_the_limit_is_degraded_but_still_served(client, residents, settings):
    cast(client, residents, count=3)
    settings.MINPING_HEALTH_MAX_PENDING = 3
    assert client.get("/healthz").json()["settling"] == "ok"
    settings.MINPING_HEALTH_MAX_PENDING = 2
    response = client.get("/healthz")
    # Still 200: the backlog is the settler's problem, not a reason to take this server out.
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "settling": "behind"}
    assert "3" not in response.content.decode()


def test_an_unreachable_database_answers_503_with_retry_after(client, monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(PendingBallot.objects, "count", outage)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"status": "down", "database": "unreachable"}
    assert "refused" not in response.content.decode()


def test_only_get_is_answered(client):
    assert client.post("/healthz").status_code == 405
