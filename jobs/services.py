"""Background jobs: start one, run it in a worker, retry it.

A job's work runs in one transaction together with the line that marks it done, so a worker killed
at any moment leaves either nothing or everything: never a half-written run, notice or import, and
never a finished job that looks unfinished. A handler may name a `before` step that runs first,
outside that transaction (scoring settles pending ballots there, batch by batch).

    @job_handler(title=_("Score %(campaign)s"))
    def score_campaign(job, *, campaign_id): ...     # returns {"message": …, "url": …}

    job = job_enqueue(handler=score_campaign, params={"campaign_id": 3}, actor=request.user,
                      title_args={"campaign": "demo-2026"})
"""
import logging
import os
import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Job
from .selectors import job_is_stalled

logger = logging.getLogger(__name__)
HANDLER_MARK = "_minping_job_handler"


class JobRefused(Exception):
    """This job cannot be retried now (it is running, or it succeeded)."""


def job_handler(*, title: str, before: Callable | None = None):
    """Mark `func(job, **params) -> dict` as the body of a kind of job. Its title is a translatable
    pattern filled from the enqueuer's `title_args`; it returns what the job page shows:
    {"message": str, "url": str | None}. Any exception fails the job: its text is the error shown."""
    def mark(func):
        setattr(func, HANDLER_MARK, {"title": title, "before": before})
        return func
    return mark


def _path(handler: Callable) -> str:
    if not hasattr(handler, HANDLER_MARK):
        raise TypeError(f"{handler!r} is not a job handler")
    return f"{handler.__module__}.{handler.__qualname__}"


def _handler(kind: str) -> Callable:
    handler = import_string(kind)
    if not hasattr(handler, HANDLER_MARK):   # a job row never makes a worker call anything else
        raise TypeError(f"{kind} is not a job handler")
    return handler


@transaction.atomic
def job_enqueue(*, handler: Callable, params: dict, actor, title_args: dict | None = None) -> Job:
    """Record the job and put it on the queue, together: a worker picks it up once this commits."""
    job = Job.objects.create(
        kind=_path(handler), params=params, language=translation.get_language() or "zh-hans",
        title=getattr(handler, HANDLER_MARK)["title"] % (title_args or {}),
        created_by=actor if getattr(actor, "pk", None) else None)
    _put_on_queue(job)
    return job


def _put_on_queue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk), job.attempt)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


@transaction.atomic
def job_retry(*, job: Job) -> Job:
    """A failed job, or one whose worker died, goes back on the queue as a new attempt."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not (locked.status == Job.Status.FAILED or job_is_stalled(locked)):
        raise JobRefused(_("Only a failed job, or one whose worker stopped, can be retried."))
    locked.attempt += 1
    locked.status, locked.stage, locked.error, locked.runner = Job.Status.QUEUED, "", "", ""
    locked.started_at = locked.finished_at = None
    locked.save()
    _put_on_queue(locked)
    return locked


def job_stage(job: Job, stage: str) -> None:
    """Say where a running job stands ("1,000 rows done …"). Inside the job's transaction nobody
    else could read it before the end, so there it is written through a connection of its own (a
    short thread: Django gives each thread one) — on PostgreSQL; SQLite's one writer is the job."""
    if not connection.in_atomic_block:
        _write_stage(job, stage)
    elif connection.vendor == "postgresql":
        writer = threading.Thread(target=_write_stage, args=(job, stage), kwargs={"own_connection": True})
        writer.start()
        writer.join()


def _write_stage(job: Job, stage: str, *, own_connection: bool = False) -> None:
    try:
        Job.objects.filter(pk=job.pk, attempt=job.attempt).update(stage=stage)
    finally:
        if own_connection:
            connection.close()


@task()
def run_job(job_id: str, attempt: int) -> None:
    """The one django-tasks task: runs attempt `attempt` of the job, unless it was superseded."""
    job = Job.objects.filter(pk=job_id, attempt=attempt).first()
    if job is None:
        return   # retried meanwhile: a newer attempt owns the job
    # The lock first, then the claim: a job marked running always has a live holder or none at all.
    with _held_while_running(job):
        started = Job.objects.filter(pk=job.pk, attempt=attempt, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now(), runner=f"{socket.gethostname()}:{os.getpid()}")
        if started:
            with translation.override(job.language):
                _run(job)


def _run(job: Job) -> None:
    try:
        handler = _handler(job.kind)
        before = getattr(handler, HANDLER_MARK)["before"]
        if before is not None:
            before(job, **job.params)
        with transaction.atomic():
            result = handler(job, **job.params)
            _finish(job, status=Job.Status.SUCCEEDED, result=result)
    except Exception as error:  # noqa: BLE001 — every failure is the job's result, shown to its owner
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, status=Job.Status.FAILED, error=_error_text(error))


def _finish(job: Job, *, status: str, result: dict | None = None, error: str = "") -> None:
    Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
        status=status, result=result, error=error, stage="", finished_at=timezone.now())


def _error_text(error: Exception) -> str:
    reasons = getattr(error, "reasons", None)   # the services' refusals carry a list of reasons
    if reasons:
        return "\n".join(str(reason) for reason in reasons)
    return str(error) or error.__class__.__name__


@contextmanager
def _held_while_running(job: Job):
    """On PostgreSQL the worker's session holds an advisory lock named after the job while it runs;
    the server releases it when the session ends, however the worker ends. A running job whose
    lock is free has lost its worker (see `job_is_stalled`)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [job.lock_key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [job.lock_key])
