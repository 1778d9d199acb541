"""Reads of background jobs: whose they are, whether a running one has lost its worker."""
import os
import socket

from django.db import connection

from .models import Job


def job_is_stalled(job: Job) -> bool:
    """A job marked running whose worker is gone (killed, crashed, its machine lost): retryable.

    PostgreSQL: the worker's session holds the job's advisory lock for the whole run, and the
    server frees it when that session ends, on whatever machine the worker ran. SQLite (one
    machine): the worker's process no longer exists."""
    if job.status != Job.Status.RUNNING:
        return False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [job.lock_key])
            free = cursor.fetchone()[0]
            if free:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [job.lock_key])
        return free
    host, _, pid = job.runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False   # cannot tell from here: leave it running
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_recent(limit: int = 50):
    return Job.objects.select_related("created_by").order_by("-created_at")[:limit]
