"""Published notices (公示 / 通报) and the objections filed against them (DESIGN.md §3).

A notice is written once, by `publicity.services.notice_publish`, fully formed: its PDF is already
in storage and its SHA-256 and the previous notice's SHA-256 (one hash chain over all of the
site's notices) are set at creation. From then on nothing may change or delete it — the guard
(`minping.lib.immutable`) sits on the model and on its queryset, so bulk updates cannot go around
it. Objections are append-only too: what the public filed never changes; staff add one
answer (reply and outcome), once.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minping.lib.immutable import Immutable, ImmutableRecordError

GENESIS_SHA256 = "0" * 64  # the "previous notice" of the first notice on a site


class DocumentSeries(models.Model):
    """An issuing organ's 发文字号 series (GB/T 9704-2012, 7.2.4): its prefix (机关代字, e.g. 民评办),
    which staff may edit, and numbers that run per year from 1. A number is taken when a notice is
    published and stays with it (notices are never deleted), so no number is used twice."""

    organ = models.CharField(_("issuing organ"), max_length=200, unique=True)
    prefix = models.CharField(
        _("document number prefix"), max_length=40,
        help_text=_("The organ's code in document numbers, e.g. 民评办 for 民评办〔2026〕3号."),
    )

    class Meta:
        verbose_name = _("document number series")
        verbose_name_plural = _("document number series")

    def __str__(self):
        return f"{self.organ}（{self.prefix}）"

    def number(self, year: int, serial: int) -> str:
        """As printed: 〔year〕 in hexagonal brackets, the serial without leading zeros or 第."""
        return f"{self.prefix}〔{year}〕{serial}号"


class Notice(Immutable):
    """A published notice: the PDF as it was published, its hash, and its link in the chain."""

    class Kind(models.TextChoices):
        PUBLICITY = "publicity", _("Publicity notice")
        FINAL = "final", _("Final report")
        # 整改情况通报, published by the rectification app through `services.notice_append`.
        RECTIFICATION = "rectification", _("Rectification report")

    # The kinds printed from a score run by this app (publicity/document.py); the others are other apps'.
    RESULT_KINDS = (Kind.PUBLICITY, Kind.FINAL)


    sequence = models.PositiveIntegerField(_("number in the chain"), unique=True, editable=False)
    campaign = models.ForeignKey(
        "surveys.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="notices",
    )
    run = models.ForeignKey(
        "scoring.ScoreRun", verbose_name=_("score run"), on_delete=models.PROTECT, related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("opening text"), help_text=_("The opening paragraph(s) of the notice."))
    issued_on = models.DateField(_("date of issue"))
    period_start = models.DateField(_("publicity period from"), null=True, blank=True)
    objection_deadline = models.DateField(
        _("objections until"), null=True, blank=True,
        help_text=_("Last day (inclusive) of the publicity period; empty for final reports."),
    )
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    file = models.FileField(_("PDF file"), max_length=300)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    previous_sha256 = models.CharField(
        _("previous notice's SHA-256"), max_length=64, unique=True,
        help_text=_("Links the notices into one chain; the first notice points at 64 zeros."),
    )
    series = models.ForeignKey(
        DocumentSeries, verbose_name=_("document number series"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="notices",
    )
    number_year = models.PositiveSmallIntegerField(_("document number year"), null=True, blank=True)
    number_serial = models.PositiveIntegerField(_("document number serial"), null=True, blank=True)
    document_number = models.CharField(
        _("document number"), max_length=60, blank=True, help_text=_("The 发文字号 as printed on the notice."),
    )
    signed = models.BooleanField(_("digitally signed"), default=False)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    published_by_label = models.CharField(_("published by"), max_length=150)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="unique_notice_per_campaign_kind"),
            models.UniqueConstraint(fields=["series", "number_year", "number_serial"], name="unique_document_number"),
            models.CheckConstraint(
                condition=~Q(kind="publicity") | Q(objection_deadline__isnull=False), name="publicity_notice_has_deadline",
            ),
        ]

    def __str__(self):
        return self.title


class Objection(Immutable):
    """An objection (异议) to a publicity notice, filed by anyone on the public form."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not yet answered")
        ANSWERED = "answered", _("Answered")
        DISMISSED = "dismissed", _("Not admissible (answered with the reason)")

    ANSWERABLE_FIELDS = ("status", "reply", "answered_at", "answered_by", "answered_by_label")


    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections")
    unit = models.ForeignKey(
        "surveys.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Empty when the objection is about the notice as a whole."),
    )
    text = models.TextField(_("objection"))
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    number = models.CharField(_("confirmation number"), max_length=20, unique=True, editable=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reply = models.TextField(_("reply"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    answered_by_label = models.CharField(_("answered by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="received", reply="") | (~Q(status="received") & ~Q(reply="")),
                name="objection_reply_iff_answered",
            ),
        ]

    def __str__(self):
        return self.number

    def check_change(self, update_fields) -> None:
        """An existing objection may change once: from received to answered, and only the answer
        (`publicity.services.objection_answer`); anything else is refused."""
        stored = Objection.objects.filter(pk=self.pk).values().first()
        if stored is None or stored["status"] != self.Status.RECEIVED:
            raise ImmutableRecordError(_("An answered objection cannot be changed."))
        answer_columns = {"status", "reply", "answered_at", "answered_by_id", "answered_by_label"}
        for field in self._meta.concrete_fields:
            if field.attname not in answer_columns and getattr(self, field.attname) != stored[field.attname]:
                raise ImmutableRecordError(_("What the public filed cannot be changed."))

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.RECEIVED
