"""Fixtures for background jobs on the real queue (django-tasks' database backend)."""
import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.surveys.conftest import open_campaign  # noqa: F401

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings):
    """The production queue instead of the test settings' run-at-once backend."""
    settings.TASKS = DATABASE_QUEUE


def work_off_queue() -> int:
    """What `manage.py db_worker --batch` does, in this process and this test's transaction."""
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="tests", excluded_queue_names=[])
    done = 0
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim("tests")
        worker.run_task(task)
        done += 1
    return done
