"""Job handlers for the tests only: a worker process imports them by their dotted path."""
import time
from pathlib import Path

from jobs.services import job_handler
from surveys.models import Region


@job_handler(title="write a region, then wait while the marker file exists")
def write_then_wait(job, *, code: str, marker: str) -> dict:
    """Writes a row inside the job's transaction, then holds that transaction open until the
    marker file disappears: a worker killed meanwhile must leave no row behind."""
    Region.objects.create(code=code, name="written by a job", level=Region.Level.CITY)
    while Path(marker).exists():
        time.sleep(0.05)
    return {"message": f"region {code} written", "url": None}


@job_handler(title="fail")
def always_fails(job) -> dict:
    Region.objects.create(code="never", name="rolled back", level=Region.Level.CITY)
    raise ValueError("无法完成：测试失败")


def _write_and_commit(job, *, code: str, marker: str) -> None:
    Region.objects.create(code=code, name="written before the job's transaction", level=Region.Level.CITY)


@job_handler(title="write a region outside the job's transaction, then wait", before=_write_and_commit)
def commit_then_wait(job, *, code: str, marker: str) -> dict:
    """The control of the kill test: a `before` step commits on its own, so a kill leaves its row."""
    while Path(marker).exists():
        time.sleep(0.05)
    return {"message": "done", "url": None}
