"""The job pages: where a long piece of staff work stands, its result or its error, a retry."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from surveys.roles import require_evaluation_staff

from .models import Job
from .selectors import job_is_stalled, jobs_recent
from .services import JobRefused, job_retry


@login_required
@require_GET
def job_list(request):
    require_evaluation_staff(request.user)
    return render(request, "jobs/list.html", {"jobs": jobs_recent()})


@login_required
@require_GET
def job_detail(request, pk):
    require_evaluation_staff(request.user)
    job = get_object_or_404(Job, pk=pk)
    stalled = job_is_stalled(job)
    return render(request, "jobs/detail.html", {
        "job": job, "stalled": stalled, "retryable": stalled or job.status == Job.Status.FAILED,
        # The page reloads itself (no script needed) until the job has an outcome.
        "refresh": not job.finished and not stalled,
    })


@login_required
@require_POST
def job_retry_view(request, pk):
    require_evaluation_staff(request.user)
    job = get_object_or_404(Job, pk=pk)
    try:
        job_retry(job=job)
    except JobRefused as refused:
        messages.error(request, str(refused))
    return redirect("jobs:detail", pk=job.pk)
