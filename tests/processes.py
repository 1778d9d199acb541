"""Helpers for tests that start real processes (gunicorn, workers, settlers, nginx, scripts) beside the
suite: a free port on loopback, waiting for a condition, and the environment that points a process at
this test run's database."""
import os
import socket
import time

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float = 30, every: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def database_url(name: str | None = None) -> str:
    """The test PostgreSQL server's URL for database `name` (default: this run's test database)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name or db['NAME']}"


def site_env(**extra) -> dict:
    """The environment of a process running the production settings against this test database."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "minping.settings.base", "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **{key: str(value) for key, value in extra.items()}}
