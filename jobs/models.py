"""A background job as the people who started it see it (DESIGN.md §6).

The queue itself is django-tasks with its database backend (`django_tasks_db`): workers on any
number of machines claim its rows. A `Job` is the record behind the page that shows one piece of
long work — scoring a campaign, publishing a notice, importing paper ballots: what it is, who
started it, where it stands, its result or its error, and how many attempts it took.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The dotted path of the handler (a function marked by `jobs.services.job_handler`).
    kind = models.CharField(_("kind"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    # host:pid of the worker running the current attempt: how a stalled attempt is told on SQLite.
    runner = models.CharField(_("runner"), max_length=200, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.title

    @property
    def lock_key(self) -> int:
        """The PostgreSQL advisory lock its worker holds while running it (a signed 64-bit key)."""
        return self.pk.int & 0x7FFF_FFFF_FFFF_FFFF

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
