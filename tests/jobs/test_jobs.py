"""Long staff work runs as background jobs on django-tasks' database queue: the page follows a
job to its result or its error, a failed job changes nothing and can be retried, and a job's
outcome is committed with its work."""
import os
import socket
import subprocess

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.selectors import job_is_stalled
from jobs.services import JobRefused, job_enqueue, job_retry, run_job
from scoring.models import ScoreRun
from surveys.models import Campaign, Region
from surveys.services import campaign_set_status

from . import handlers
from .conftest import work_off_queue

pytestmark = pytest.mark.django_db


def test_scoring_from_the_browser_is_a_job_whose_page_shows_the_run(client, staff, open_campaign):
    client.force_login(staff)
    response = client.post(reverse("scoring:score", args=[open_campaign.slug]))
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.created_by == staff
    page = client.get(response["Location"]).content.decode()
    with translation.override("zh-hans"):
        assert _("Run %(n)d stored.") % {"n": 1} in page
    assert reverse("scoring:campaign", args=[open_campaign.slug]) in page
    assert 'http-equiv="refresh"' not in page          # finished: no more reloading
    assert ScoreRun.objects.count() == 1


def test_a_failed_job_shows_why_changes_nothing_and_can_be_retried(client, staff, campaign):
    """A draft campaign cannot be scored: the job fails with the service's reason, in Chinese."""
    client.force_login(staff)
    client.post(reverse("scoring:score", args=[campaign.slug]))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.error
    assert not ScoreRun.objects.exists()
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.error.splitlines()[0] in page and reverse("jobs:retry", args=[job.pk]) in page
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")   # the cause removed
    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.attempt, job.error) == (Job.Status.SUCCEEDED, 2, "")
    assert ScoreRun.objects.count() == 1


def test_a_handler_that_raises_rolls_back_what_it_wrote(staff):
    job = job_enqueue(handler=handlers.always_fails, params={}, actor=staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "无法完成：测试失败"
    assert not Region.objects.filter(code="never").exists()


def test_a_succeeded_or_waiting_job_cannot_be_retried(staff, open_campaign, database_queue):
    job = job_enqueue(handler=handlers.write_then_wait, params={"code": "r1", "marker": "/nonexistent"}, actor=staff)
    with pytest.raises(JobRefused):
        job_retry(job=job)                     # waiting for a worker
    work_off_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    with pytest.raises(JobRefused):
        job_retry(job=job)


def test_jobs_wait_on_the_database_queue_until_a_worker_takes_them(staff, open_campaign, database_queue):
    job = job_enqueue(handler=handlers.write_then_wait, params={"code": "queued", "marker": "/nonexistent"},
                      actor=staff)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.task_id
    assert not Region.objects.filter(code="queued").exists()
    assert work_off_queue() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["message"] == "region queued written"
    assert Region.objects.filter(code="queued").count() == 1


def test_an_attempt_superseded_by_a_retry_does_nothing(staff, database_queue):
    job = job_enqueue(handler=handlers.write_then_wait, params={"code": "old", "marker": "/nonexistent"}, actor=staff)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    job_retry(job=job)                                   # attempt 2 queued
    run_job.call(str(job.pk), 1)                        # attempt 1's task arrives late
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Job.Status.QUEUED, 2)
    assert not Region.objects.filter(code="old").exists()


def test_job_pages_are_for_evaluation_staff_only(client, staff, contact, outsider):
    job = job_enqueue(handler=handlers.always_fails, params={}, actor=staff)
    for user, status in ((contact, 403), (outsider, 403), (staff, 200)):
        client.force_login(user)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == status
        assert client.get(reverse("jobs:list")).status_code == status
    client.force_login(outsider)
    assert client.post(reverse("jobs:retry", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 302


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL tells by the advisory lock (test_workers.py)")
def test_on_sqlite_a_running_job_whose_worker_process_is_gone_is_stalled(staff, database_queue):
    job = job_enqueue(handler=handlers.always_fails, params={}, actor=staff)
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, runner=f"{host}:{os.getpid()}")
    job.refresh_from_db()
    assert not job_is_stalled(job)                       # this process is alive
    Job.objects.filter(pk=job.pk).update(runner=f"{host}:{gone.pid}")
    job.refresh_from_db()
    assert job_is_stalled(job)
    Job.objects.filter(pk=job.pk).update(runner=f"another-host:{gone.pid}")
    job.refresh_from_db()
    assert not job_is_stalled(job)                       # cannot tell from here: left running
