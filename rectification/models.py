"""Rectification (整改): cases opened after an evaluation, their deadlines, what the unit reports,
staff verification, and return visits (回访) — DESIGN.md §3.

The app sits on top of the chain (surveys → scoring → publicity → rectification): it reads the
others, nothing below imports it. Every change goes through `rectification.services`, which
enforces the status map and writes the audit event in the same transaction.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RectificationPolicy(models.Model):
    """A campaign's rules for opening cases and their deadlines. A campaign without a row uses the
    field defaults (`selectors.policy_for`), so `surveys.Campaign` itself stays untouched."""

    campaign = models.OneToOneField(
        "surveys.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="rectification_policy",
    )
    dissatisfied_share = models.FloatField(
        _("share not satisfied that opens a case"), default=0.3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A unit whose share of respondents not satisfied exceeds this (0–1) gets a case."),
    )
    bottom_band = models.PositiveSmallIntegerField(
        _("bottom band of ranks"), default=3, validators=[MinValueValidator(1)],
        help_text=_("A unit ranked last of its kind gets a case only when the best rank of its rank interval "
                    "lies within this many last places."),
    )
    commitment_threshold = models.FloatField(
        _("commitment fulfilment below which a case opens"), default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    verification_days = models.PositiveSmallIntegerField(
        _("working days to verify"), default=1, validators=[MinValueValidator(1)])
    rectification_days = models.PositiveSmallIntegerField(
        _("working days to rectify"), default=15, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("rectification policy")
        verbose_name_plural = _("rectification policies")

    def __str__(self):
        return str(self.campaign)


class RectificationCase(models.Model):
    """One problem a unit must put right (整改事项)."""

    class Source(models.TextChoices):
        SCORE = "score", _("Evaluation result")
        COMMITMENT = "commitment", _("Commitment not kept")
        OBJECTION = "objection", _("Upheld objection")
        STAFF = "staff", _("Evaluation office (from comments)")
        HOTLINE = "hotline", _("Outside complaint (12345 hotline)")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a plan")
        PLAN_SUBMITTED = "plan_submitted", _("Plan submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done, awaiting verification")
        VERIFIED = "verified", _("Verified")
        OVERDUE = "overdue", _("Overdue")
        REJECTED = "rejected", _("Rejected")

    CLOSED = (Status.VERIFIED, Status.REJECTED)

    # A case goes with its campaign (the demo's reset); a published campaign is kept by its notices anyway.
    campaign = models.ForeignKey(
        "surveys.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="rectification_cases")
    unit = models.ForeignKey(
        "surveys.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rectification_cases")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    run = models.ForeignKey(
        "scoring.ScoreRun", verbose_name=_("score run"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    objection = models.OneToOneField(
        "publicity.Objection", verbose_name=_("objection"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    commitment = models.ForeignKey(
        "surveys.Commitment", verbose_name=_("commitment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    reference = models.CharField(_("outside reference"), max_length=64, blank=True,
                                 help_text=_("The hotline's own ticket number, for cases from outside complaints."))
    problem = models.TextField(_("problem"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("opened on"))
    verify_due_on = models.DateField(_("to be verified by"))
    due_on = models.DateField(_("to be rectified by"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    completed_on = models.DateField(_("reported done on"), null=True, blank=True)
    reason = models.TextField(_("reason for rejection"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rectification case")
        verbose_name_plural = _("rectification cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # Opening cases from a run or a commitment may be repeated safely: one case each.
            models.UniqueConstraint(fields=["run", "unit"], condition=Q(source="score"),
                                    name="one_score_case_per_run_unit"),
            models.UniqueConstraint(fields=["run", "commitment"], condition=Q(source="commitment"),
                                    name="one_case_per_run_commitment"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reason=""), name="rejected_case_has_reason"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.unit}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class CaseEntry(models.Model):
    """One step of a case's timeline: the unit's plan, measures or completion report, staff's
    verification, a rejection, or a status change, with an optional attachment."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        PLAN = "plan", _("Rectification plan")
        MEASURES = "measures", _("Measures taken")
        REPORT = "report", _("Completion report")
        VERIFIED = "verified", _("Verified by the evaluation office")
        RETURNED = "returned", _("Returned for more work")
        REJECTED = "rejected", _("Rejected")
        OVERDUE = "overdue", _("Deadline passed")

    case = models.ForeignKey(RectificationCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("attachment"), upload_to="rectification/%Y/", max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("by"), max_length=150)

    class Meta:
        verbose_name = _("case entry")
        verbose_name_plural = _("case entries")
        ordering = ["at", "id"]


class ReturnVisit(models.Model):
    """A rating of a case's fix (回访): by whoever filed the upheld objection (their 受理编号, once),
    or anyone through the public follow-up link of a case from scoring (rate limited)."""

    case = models.ForeignKey(RectificationCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="visits")
    # One rating per objection number: the unique constraint refuses a code used twice, also in a race.
    objection = models.OneToOneField("publicity.Objection", verbose_name=_("objection"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=20)
    score = models.FloatField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    satisfied = models.BooleanField(_("satisfied"))
    received_on = models.DateField(_("received on"))

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
