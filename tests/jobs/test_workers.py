"""Real `manage.py db_worker` processes on PostgreSQL: a worker killed with SIGKILL in the middle of
a job leaves nothing of it written and the job retryable; another worker then finishes it once."""
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from jobs.models import Job
from jobs.selectors import job_is_stalled
from jobs.services import job_enqueue, job_retry, job_stage
from surveys.models import Region
from tests.processes import site_env, wait_for

from . import handlers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_queue")]
ROOT = Path(__file__).resolve().parents[2]


def start_worker(*options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
                             *options], cwd=ROOT, env=site_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def region_insert_open() -> bool:
    """Another session sits in an open transaction whose last statement inserted a region."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                       "AND query LIKE 'INSERT INTO \"surveys_region\"%%' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] == 1


@pytest.fixture
def worker_killed_mid_job(staff, tmp_path, request):
    """Start a job whose handler waits on a marker file, SIGKILL its worker while it waits."""
    def run(handler, code: str) -> Job:
        marker = tmp_path / code
        marker.touch()
        job = job_enqueue(handler=handler, params={"code": code, "marker": str(marker)}, actor=staff)
        worker = start_worker()
        request.addfinalizer(lambda: worker.poll() is None and worker.kill())
        wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.RUNNING)
        job.refresh_from_db()
        assert not job_is_stalled(job)              # its worker holds the job's lock
        if handler is handlers.write_then_wait:
            wait_for(region_insert_open)            # the row is written, not yet committed
        else:
            wait_for(lambda: Region.objects.filter(code=code).exists())
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        marker.unlink()
        return job
    return run


def test_a_killed_worker_leaves_nothing_written_and_the_job_retryable(worker_killed_mid_job):
    job = worker_killed_mid_job(handlers.write_then_wait, "killed")
    # PostgreSQL ends the dead worker's session, rolling back its transaction and freeing its lock.
    wait_for(lambda: job_is_stalled(Job.objects.get(pk=job.pk)))
    assert not Region.objects.filter(code="killed").exists()
    job_retry(job=Job.objects.get(pk=job.pk))
    finisher = start_worker("--batch")
    output = finisher.communicate(timeout=60)[0].decode()
    assert finisher.returncode == 0, output
    job.refresh_from_db()
    assert (job.status, job.attempt, job.error) == (Job.Status.SUCCEEDED, 2, "")
    assert Region.objects.filter(code="killed").count() == 1


def test_control_work_committed_outside_the_jobs_transaction_survives_the_kill(worker_killed_mid_job):
    """The test above can see a half-written job: here the row was committed before the kill."""
    job = worker_killed_mid_job(handlers.commit_then_wait, "half")
    wait_for(lambda: job_is_stalled(Job.objects.get(pk=job.pk)))
    assert Region.objects.filter(code="half").count() == 1


def test_two_workers_share_the_queue_and_run_each_job_once(staff):
    jobs = [job_enqueue(handler=handlers.write_then_wait, params={"code": f"r{i}", "marker": "/nonexistent"},
                        actor=staff) for i in range(6)]
    workers = [start_worker("--batch") for _ in range(2)]
    for worker in workers:
        output = worker.communicate(timeout=60)[0].decode()
        assert worker.returncode == 0, output
    assert {job.status for job in Job.objects.filter(pk__in=[j.pk for j in jobs])} == {Job.Status.SUCCEEDED}
    assert Region.objects.filter(code__startswith="r").count() == 6


def test_a_stage_written_inside_the_jobs_transaction_is_seen_by_others_at_once(staff):
    """Progress of a long import ("1000 rows done") shows while its one transaction is still open."""
    job = job_enqueue(handler=handlers.always_fails, params={}, actor=staff)
    seen = []

    def look():
        seen.append(Job.objects.get(pk=job.pk).stage)
        connection.close()

    with transaction.atomic():
        job_stage(job, "1000 rows done")
        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
    assert seen == ["1000 rows done"]
