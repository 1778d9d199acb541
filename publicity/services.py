"""Writes of the publicity side: publish a notice, file an objection, answer it.

Keyword-only, one transaction each, audited in that transaction (`surveys.audit.audit_record`).
Previews (`notice_render`) write nothing.
"""
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.models import ScoreRun
from scoring.services import score_run_freeze
from surveys.audit import actor_parts, audit_record
from surveys.codes import ALPHABET
from surveys.models import Campaign, Unit
from surveys.services import PROCESS_TARGETS, campaign_set_status

from . import anchoring, document, selectors, signing
from .calendar import CalendarUnavailable, Period, working_day_period
from .models import GENESIS_SHA256, DocumentSeries, Notice, Objection
from .signals import notice_published

# PostgreSQL advisory lock key held while a notice is added to the chain ("MPCH").
CHAIN_LOCK = 0x4D50_4348

Status = Campaign.Status
Kind = Notice.Kind
PROCESSES = {Kind.PUBLICITY: PROCESS_TARGETS[Status.PUBLICIZED], Kind.FINAL: PROCESS_TARGETS[Status.FINAL]}


class PublishRefused(Exception):
    """A notice that may not be published (or previewed) now; `reasons` says why."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


class ObjectionRefused(Exception):
    """An objection that cannot be filed or answered (period over, empty text …)."""


# --- What would be published ---------------------------------------------------------------------

def _publicity_problems(campaign: Campaign) -> tuple[list[str], ScoreRun | None]:
    slug = campaign.slug
    if campaign.status in (Status.DRAFT, Status.OPEN):
        return [_("Campaign “%(slug)s” is %(status)s: close it and score it before publishing "
                  "(on its dashboard, or manage.py campaign_status %(slug)s closed; manage.py score %(slug)s).")
                % {"slug": slug, "status": Status(campaign.status).label}], None
    if campaign.status in (Status.PUBLICIZED, Status.FINAL):
        return [_("The publicity notice of campaign “%(slug)s” has already been published.") % {"slug": slug}], None
    run = campaign.score_runs.order_by("-number").first()
    if run is None or campaign.status == Status.CLOSED:
        return [_("Campaign “%(slug)s” is closed but has not been scored: score it on its dashboard "
                  "(or run manage.py score %(slug)s).")
                % {"slug": slug}], None
    if run.provisional:
        return [_("The latest run of campaign “%(slug)s” (run %(n)d) is provisional — scored while the campaign was "
                  "open — and can never be published: score the closed campaign on its dashboard "
                  "(or run manage.py score %(slug)s).") % {"slug": slug, "n": run.number}], None
    return [], run


def _final_problems(campaign: Campaign, today: dt.date) -> tuple[list[str], ScoreRun | None]:
    slug = campaign.slug
    if campaign.status == Status.FINAL:
        return [_("The final report of campaign “%(slug)s” has already been published.") % {"slug": slug}], None
    publicity = selectors.notice_publicity(campaign)
    if campaign.status != Status.PUBLICIZED or publicity is None:
        return [_("Campaign “%(slug)s” has no publicity notice yet: publish that first.") % {"slug": slug}], None
    problems = []
    if today <= publicity.objection_deadline:
        problems.append(
            _("The publicity period of campaign “%(slug)s” runs until %(deadline)s: the final report can be published "
              "from %(next)s on.") % {"slug": slug, "deadline": publicity.objection_deadline.isoformat(),
                                      "next": (publicity.objection_deadline + dt.timedelta(days=1)).isoformat()})
    unanswered = list(selectors.objections_open(publicity).values_list("number", flat=True))
    if unanswered:
        problems.append(
            _("%(count)d objection(s) to the publicity notice are not answered yet (%(numbers)s): answer them in the "
              "admin first.") % {"count": len(unanswered), "numbers": ", ".join(unanswered)})
    return problems, publicity.run


def publish_problems(*, campaign: Campaign, kind: str, now: dt.datetime | None = None) -> list[str]:
    """Why `campaign` cannot get a notice of `kind` now; an empty list means it can."""
    today = timezone.localdate(now or timezone.now())
    return (_publicity_problems(campaign) if kind == Kind.PUBLICITY else _final_problems(campaign, today))[0]


def _run_for(campaign: Campaign, kind: str, today: dt.date, *, preview: bool) -> ScoreRun:
    if kind not in Notice.RESULT_KINDS:
        raise PublishRefused([_("Unknown kind of notice “%(kind)s”.") % {"kind": kind}])
    problems, run = _publicity_problems(campaign) if kind == Kind.PUBLICITY else _final_problems(campaign, today)
    if preview and run is not None:
        return run  # a preview may show the final report before its day, or while objections are open
    if problems:
        raise PublishRefused(problems)
    return run


def publicity_period(issued_on: dt.date, deadline: dt.date | None = None) -> Period:
    """The period from `issued_on`: the configured number of working days, or up to an explicit `deadline`."""
    if deadline is not None:
        if deadline < issued_on:
            raise PublishRefused([_("The end of the publicity period cannot be before the date of issue.")])
        return Period(start=issued_on, end=deadline, working_days=0, holidays=())
    try:
        return working_day_period(issued_on, settings.MINPING_PUBLICITY_WORKING_DAYS)
    except CalendarUnavailable as problem:
        raise PublishRefused([str(problem)]) from None


@dataclass(frozen=True)
class Rendered:
    data: document.NoticeData
    run: ScoreRun
    pdf: bytes


def notice_render(*, campaign: Campaign, kind: str, issued_on: dt.date | None = None, deadline: dt.date | None = None,
                  title: str = "", body: str = "", previous_sha256: str | None = None, document_number: str = "",
                  preview: bool = True, pdf: bool = True) -> Rendered:
    """Render the notice `campaign` would get today (or on `issued_on`): a preview, nothing is written.
    A `preview` (the default) is watermarked "预览 — 未发布"; publishing renders with preview=False.

    Without `document_number` it shows the 发文字号 the notice would get if published now.
    """
    issued_on = issued_on or timezone.localdate()
    run = _run_for(campaign, kind, issued_on, preview=preview)
    period = publicity_period(issued_on, deadline) if kind == Kind.PUBLICITY else None
    if previous_sha256 is None:
        head = selectors.notice_chain_head()
        previous_sha256 = head.sha256 if head else GENESIS_SHA256
    document_number = document_number or selectors.document_number_preview(settings.MINPING_ISSUING_ORGAN,
                                                                           issued_on.year)
    data = selectors.notice_data(campaign=campaign, run=run, kind=kind, issued_on=issued_on, period=period,
                                 previous_sha256=previous_sha256, document_number=document_number, title=title,
                                 body=body)
    return Rendered(data=data, run=run, pdf=document.notice_pdf(data, preview=preview) if pdf else b"")


# --- Publishing --------------------------------------------------------------------------------------

def _lock_chain() -> None:
    """One publication at a time extends the chain: two notices published at once (two campaigns)
    must not claim the same predecessor. Locking the head row does not do it: with no notice yet
    there is no row to lock, and a second publisher that waited on the old head still reads the old
    head once the first commits. So the whole chain is locked, for this transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
    # SQLite: a writing transaction holds the database's one write lock already (IMMEDIATE mode).


@dataclass(frozen=True)
class Draft:
    """A notice ready to be stored: its file and what its record keeps besides."""
    pdf: bytes
    title: str
    body: str
    run: ScoreRun
    period: Period | None = None


@transaction.atomic
def notice_publish(*, campaign: Campaign, kind: str, actor, now: dt.datetime | None = None,
                   deadline: dt.date | None = None, title: str = "", body: str = "") -> Notice:
    """Publish the notice of `kind` for `campaign`: render, (sign,) store, chain, freeze the run, move on.

    Refusals (PublishRefused) write nothing. The stored SHA-256 is that of the file as stored —
    with signing, the signed file. The hash is also anchored outside the database
    (`publicity.anchoring`): the public chain file and, with a timestamp authority, an RFC 3161 token.
    """
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)

    def render(*, issued_on: dt.date, previous_sha256: str, document_number: str) -> Draft:
        rendered = notice_render(campaign=locked, kind=kind, issued_on=issued_on, deadline=deadline, title=title,
                                 body=body, previous_sha256=previous_sha256, document_number=document_number,
                                 preview=False)
        return Draft(pdf=rendered.pdf, title=rendered.data.title, body=rendered.data.body, run=rendered.run,
                     period=rendered.data.period)

    def move_on(notice: Notice) -> None:
        score_run_freeze(run=notice.run, actor=actor)
        target = Status.PUBLICIZED if kind == Kind.PUBLICITY else Status.FINAL
        campaign_set_status(campaign=locked, status=target, actor=actor, process=PROCESSES[kind])
        notice_published.send(sender=Notice, notice=notice, actor=actor)

    notice = notice_append(campaign=locked, kind=kind, render=render, actor=actor, now=now, then=move_on)
    campaign.status = locked.status
    return notice


@transaction.atomic
def notice_append(*, campaign: Campaign, kind: str, render: Callable[..., Draft], actor,
                  now: dt.datetime | None = None, then: Callable[[Notice], None] | None = None) -> Notice:
    """Add a notice to the one chain of the site: take its 发文字号, `render` it (given the date of issue,
    the previous notice's hash and the number), sign, store, record, audit, anchor. `then(notice)` runs
    inside the same transaction before the audit record (what publishing the notice changes besides).

    Every kind of notice goes through here (the rectification app's 整改情况通报 too), so that all share
    one chain, one numbering and one verification. On any failure nothing stays behind.
    """
    now = now or timezone.now()
    issued_on = timezone.localdate(now)
    _lock_chain()
    head = Notice.objects.order_by("-sequence").first()
    previous = head.sha256 if head else GENESIS_SHA256
    series = _document_series(settings.MINPING_ISSUING_ORGAN)
    serial = selectors.document_serial_next(series, issued_on.year)
    draft = render(issued_on=issued_on, previous_sha256=previous, document_number=series.number(issued_on.year, serial))
    signed = signing.signing_configured()
    pdf = signing.sign_pdf(draft.pdf) if signed else draft.pdf
    sha256 = hashlib.sha256(pdf).hexdigest()
    sequence = (head.sequence if head else 0) + 1
    name = default_storage.save(f"notices/{issued_on.year}/{sequence:05d}-{campaign.slug}-{kind}-{sha256[:12]}.pdf",
                                ContentFile(pdf))
    chain_before = None
    try:
        token = anchoring.timestamp_token(sha256)  # RFC 3161, when a timestamp authority is configured
        if token is not None:
            default_storage.save(anchoring.timestamp_name(name), ContentFile(token))
        user, label = actor_parts(actor)
        period = draft.period
        notice = Notice.objects.create(
            sequence=sequence, campaign=campaign, run=draft.run, kind=kind, title=draft.title,
            body=draft.body, issued_on=issued_on,
            period_start=period.start if period else None, objection_deadline=period.end if period else None,
            working_days=(period.working_days or None) if period else None,
            series=series, number_year=issued_on.year, number_serial=serial,
            document_number=series.number(issued_on.year, serial),
            file=name, size=len(pdf), sha256=sha256, previous_sha256=previous, signed=signed,
            published_at=now, published_by=user, published_by_label=label,
        )
        if then is not None:
            then(notice)
        audit_record(actor=actor, action=f"notice.publish.{kind}", obj=notice,
                     data={"sha256": sha256, "previous_sha256": previous, "run": draft.run.number,
                           "document_number": notice.document_number,
                           "sequence": sequence, "signed": notice.signed, "timestamped": token is not None})
        # Last, so that nothing after it can fail: the public chain file gets the notice's line.
        earlier = [] if anchoring.chain_bytes() is not None else list(
            Notice.objects.filter(sequence__lt=sequence).select_related("campaign").order_by("sequence"))
        chain_before = anchoring.chain_append(notice, earlier)
    except BaseException as error:
        # The transaction rolls back; leave no orphan file behind, and the chain file as it was.
        default_storage.delete(name)
        default_storage.delete(anchoring.timestamp_name(name))
        if chain_before is not None:
            anchoring.chain_restore(*chain_before)
        if isinstance(error, anchoring.TimestampUnavailable):
            raise PublishRefused([_("The timestamp authority %(url)s gave no timestamp (%(error)s): nothing was "
                                    "published. Try again later.")
                                  % {"url": settings.MINPING_TSA_URL, "error": error}]) from None
        raise
    return notice


@transaction.atomic
def document_series_save(*, organ: str, prefix: str, actor) -> DocumentSeries:
    """Set the 发文字号 prefix of `organ` (numbers already printed keep theirs)."""
    prefix = prefix.strip()
    if not prefix:
        raise ValueError(_("The document number prefix cannot be empty."))
    series, created = DocumentSeries.objects.select_for_update().get_or_create(organ=organ, defaults={"prefix": prefix})
    previous = "" if created else series.prefix
    series.prefix = prefix
    series.save(update_fields=["prefix"])
    audit_record(actor=actor, action="document_series.save", obj=series, data={"from": previous, "to": prefix})
    return series


def _document_series(organ: str) -> DocumentSeries:
    """The organ's series, locked: the serial is read and taken in this transaction (the unique
    constraint on series, year and serial refuses a second notice with the same number anyway)."""
    DocumentSeries.objects.get_or_create(organ=organ, defaults={"prefix": settings.MINPING_DOCUMENT_PREFIX})
    return DocumentSeries.objects.select_for_update().get(organ=organ)


# --- Objections ------------------------------------------------------------------------------------

OBJECTION_MAX_LENGTH = 2000


def _confirmation_number() -> str:
    """12 random Crockford base32 symbols (60 bits), grouped by four: unguessable, easy to read out."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


@transaction.atomic
def objection_file(*, notice: Notice, text: str, unit: Unit | None = None, contact: str = "",
                   now: dt.datetime | None = None) -> Objection:
    """File an objection to a publicity notice during its period; returns it with its confirmation number."""
    text, contact = text.strip(), contact.strip()
    if not selectors.notice_accepts_objections(notice, now=now):
        raise ObjectionRefused(_("The publicity period of this notice is over: objections are no longer accepted."))
    if not text:
        raise ObjectionRefused(_("Please describe your objection."))
    if len(text) > OBJECTION_MAX_LENGTH:
        raise ObjectionRefused(_("An objection can be at most %(n)d characters long.") % {"n": OBJECTION_MAX_LENGTH})
    if unit is not None and notice.run.outcome.unit(unit.code) is None:
        raise ObjectionRefused(_("This unit is not part of the notice."))
    objection = Objection.objects.create(notice=notice, unit=unit, text=text, contact=contact[:200],
                                         number=_confirmation_number())
    # The audit trail records that an objection came in, not who filed it or how to reach them.
    audit_record(actor="public objection form", action="objection.file", obj=objection,
                 data={"notice": notice.pk, "unit": unit.code if unit else None})
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, reply: str, actor, status: str = Objection.Status.ANSWERED,
                     now: dt.datetime | None = None) -> Objection:
    """Answer an objection (or dismiss it, with the reason as the reply) — once."""
    reply = reply.strip()
    if status not in (Objection.Status.ANSWERED, Objection.Status.DISMISSED):
        raise ObjectionRefused(_("An answer either answers the objection or dismisses it."))
    if not reply:
        raise ObjectionRefused(_("Write the reply (for a dismissal: the reason)."))
    locked = Objection.objects.select_for_update().get(pk=objection.pk)
    if not locked.is_open:
        raise ObjectionRefused(_("Objection %(number)s has already been answered.") % {"number": locked.number})
    locked.status, locked.reply = status, reply
    locked.answered_at = now or timezone.now()
    locked.answered_by, locked.answered_by_label = actor_parts(actor)
    locked.save()
    audit_record(actor=actor, action=f"objection.{status}", obj=locked, data={"number": locked.number})
    return locked
