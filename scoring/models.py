"""Score runs: immutable snapshots of a campaign's scores (DESIGN.md §3).

A run is written once by `scoring.services.score_run_create` and never edited: the only change
the ORM allows is freezing it (a notice was published from it), after which it cannot be deleted
either (`minping.lib.immutable`, on the model and its queryset, so that bulk updates cannot go
around it).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from minping.lib.immutable import Immutable

from .results import RunResult

# minping-2 (issue 14): share boundaries from counts, composite share intervals, lonely-PSU rule,
# grades from the published (rounded) score, declared methods, optional simultaneous rank intervals.
METHOD_VERSION = "minping-2"


class ScoreRun(Immutable):
    """One scoring of a campaign: parameters, input digest and the full result."""

    campaign = models.ForeignKey(
        "surveys.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="score_runs",
    )
    number = models.PositiveIntegerField(_("run number"), help_text=_("Sequence number within the campaign."))
    method = models.CharField(_("method version"), max_length=32, default=METHOD_VERSION)
    parameters = models.JSONField(_("parameters"), default=dict)
    input_digest = models.CharField(
        _("input digest"), max_length=64,
        help_text=_("SHA-256 of the sufficient statistics and the parameters."),
    )
    provisional = models.BooleanField(
        _("provisional"), default=False,
        help_text=_("Scored while the campaign was still open: interim results, never publishable."),
    )
    frozen = models.BooleanField(_("frozen"), default=False, help_text=_("A notice was published from this run."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_by_label = models.CharField(_("created by"), max_length=150)
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["campaign", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_score_run_number"),
            models.CheckConstraint(condition=Q(provisional=False) | Q(frozen=False),
                                   name="score_run_provisional_never_frozen"),
        ]

    def __str__(self):
        return f"{self.campaign.slug} #{self.number}"

    @cached_property
    def outcome(self) -> RunResult:
        """The stored result, typed (`scoring.results`): what pages, notices and commands read."""
        return RunResult.from_json(self.result)

    # Freezing is the one permitted change; anything else would falsify a snapshot.

    def check_change(self, update_fields) -> None:
        if not self._is_freezing(update_fields):
            super().check_change(update_fields)

    def _is_freezing(self, update_fields) -> bool:
        stored = ScoreRun.objects.filter(pk=self.pk).values_list("frozen", flat=True).first()
        return list(update_fields or ()) == ["frozen"] and self.frozen and stored is False

    def check_delete(self) -> None:
        if ScoreRun.objects.filter(pk=self.pk, frozen=True).exists():
            super().check_delete()

    @classmethod
    def check_bulk_update(cls, queryset, values: dict) -> None:
        if values != {"frozen": True}:
            super().check_bulk_update(queryset, values)

    @classmethod
    def check_bulk_delete(cls, queryset) -> None:
        if queryset.filter(frozen=True).exists():
            super().check_bulk_delete(queryset)


class UnitScore(Immutable):
    """A unit's score in one run: per evaluator group, or the composite (group is null). Deleted only
    with its (unfrozen) run, whose delete cascades to these rows without going through the guard."""

    run = models.ForeignKey(ScoreRun, verbose_name=_("score run"), on_delete=models.CASCADE, related_name="unit_scores")
    unit = models.ForeignKey("surveys.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "surveys.EvaluatorGroup", verbose_name=_("evaluator group"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", help_text=_("Empty for the composite score."),
    )
    n = models.PositiveIntegerField(_("ballots"))
    ess = models.FloatField(_("effective sample size"), null=True, blank=True)
    estimate = models.FloatField(_("score"), null=True, blank=True)
    se = models.FloatField(_("standard error"), null=True, blank=True)
    ci_low = models.FloatField(_("lower confidence limit"), null=True, blank=True)
    ci_high = models.FloatField(_("upper confidence limit"), null=True, blank=True)
    satisfied = models.FloatField(_("share satisfied"), null=True, blank=True)
    satisfied_low = models.FloatField(_("share satisfied, lower limit"), null=True, blank=True)
    satisfied_high = models.FloatField(_("share satisfied, upper limit"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    rank_low = models.PositiveIntegerField(_("best rank in the interval"), null=True, blank=True)
    rank_high = models.PositiveIntegerField(_("worst rank in the interval"), null=True, blank=True)
    suppressed = models.BooleanField(
        _("insufficient sample"), default=False,
        help_text=_("Fewer ballots than the campaign's minimum in a group that rates the unit: not ranked or graded."),
    )

    class Meta:
        verbose_name = _("unit score")
        verbose_name_plural = _("unit scores")
        ordering = ["run", "unit", "group"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit", "group"], name="unique_unit_score_group"),
            models.UniqueConstraint(fields=["run", "unit"], condition=Q(group__isnull=True),
                                    name="unique_unit_score_composite"),
        ]

    def __str__(self):
        return f"{self.run} {self.unit_id}/{self.group_id or '*'}"
