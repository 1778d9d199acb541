"""Writes of the rectification app: open cases, move them through their status map, rate fixes.

Keyword-only, one transaction each, audited in that transaction (`surveys.audit.audit_record`).
Refusals raise `CaseRefused` with a message in the user's language and change nothing.
"""
import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from publicity.calendar import CalendarUnavailable, working_day_period
from publicity.models import Objection
from publicity.selectors import objection_by_number
from scoring.models import ScoreRun
from scoring.results import UnitResult
from surveys.audit import actor_parts, audit_record
from surveys.models import Campaign, Commitment, Unit
from surveys.roles import is_evaluation_staff
from surveys.services import DONT_KNOW, STANDARD_GRADES

from .models import CaseEntry, RectificationCase, ReturnVisit
from .selectors import can_act_for_unit, case_of_objection, objection_has_rated, policy_for

Status = RectificationCase.Status
Source = RectificationCase.Source
Kind = CaseEntry.Kind
PROBLEM_MAX_LENGTH = 2000

# The status map: where a case may go from each status. Overdue cases go on (their lateness stays in
# the dates: completed_on > due_on); verified and rejected cases are closed.
TRANSITIONS = {
    Status.OPEN: {Status.PLAN_SUBMITTED, Status.REJECTED, Status.OVERDUE},
    Status.PLAN_SUBMITTED: {Status.IN_PROGRESS, Status.REJECTED, Status.OVERDUE},
    Status.IN_PROGRESS: {Status.IN_PROGRESS, Status.DONE, Status.REJECTED, Status.OVERDUE},
    Status.OVERDUE: {Status.PLAN_SUBMITTED, Status.IN_PROGRESS, Status.DONE, Status.REJECTED},
    Status.DONE: {Status.VERIFIED, Status.IN_PROGRESS},
    Status.VERIFIED: set(),
    Status.REJECTED: set(),
}
# What the unit reports, and where it takes the case.
REPORT_TARGETS = {Kind.PLAN: Status.PLAN_SUBMITTED, Kind.MEASURES: Status.IN_PROGRESS, Kind.REPORT: Status.DONE}
# The grade scale of a return visit: the ballot's (without 不了解, which rates nothing).
VISIT_GRADES = {c.value: (c.label, float(c.score)) for c in STANDARD_GRADES if c.value != DONT_KNOW}
# Attachments: what a plan or report may carry, checked by name and by the file's first bytes.
ATTACHMENT_SIGNATURES = {".pdf": (b"%PDF",), ".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8\xff",),
                         ".jpeg": (b"\xff\xd8\xff",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",)}


class CaseRefused(Exception):
    """A change the case's state or the input does not allow; the message says why."""


# --- Deadlines -------------------------------------------------------------------------------------

def case_deadlines(*, opened_on: dt.date, verification_days: int, rectification_days: int) -> tuple[dt.date, dt.date]:
    """The last days to verify and to rectify: that many working days counted from the day after opening
    (statutory holidays skipped, adjusted working weekends counted, from `chinese-calendar`)."""
    start = opened_on + dt.timedelta(days=1)
    try:
        return (working_day_period(start, verification_days).end, working_day_period(start, rectification_days).end)
    except CalendarUnavailable as problem:
        raise CaseRefused(str(problem)) from None


# --- Opening cases ---------------------------------------------------------------------------------

def _case_open(*, campaign: Campaign, unit: Unit, source: str, problem: str, actor, today: dt.date,
               **links) -> RectificationCase:
    problem = problem.strip()
    if not problem:
        raise CaseRefused(_("Describe the problem to be rectified."))
    if len(problem) > PROBLEM_MAX_LENGTH:
        raise CaseRefused(_("The problem can be at most %(n)d characters long.") % {"n": PROBLEM_MAX_LENGTH})
    policy = policy_for(campaign)
    verify_due, due = case_deadlines(opened_on=today, verification_days=policy.verification_days,
                                     rectification_days=policy.rectification_days)
    case = RectificationCase.objects.create(campaign=campaign, unit=unit, source=source, problem=problem,
                                            opened_on=today, verify_due_on=verify_due, due_on=due, **links)
    _entry(case=case, kind=Kind.OPENED, text=problem, actor=actor)
    audit_record(actor=actor, action=f"rectification.open.{source}", obj=case,
                 data={"unit": unit.code, "due_on": due.isoformat(), "verify_due_on": verify_due.isoformat()})
    return case


def bottom_band_size(*, kind_size: int, bottom_band: int) -> int:
    """The bottom band holds at most half of a kind's ranked units: with 2 units and a band of 3, "in the
    bottom band" would be true of every interval, and last place would again come from the point rank."""
    return min(bottom_band, kind_size // 2)


def score_reasons(entry: UnitResult, *, kind_size: int, bands, dissatisfied_share: float, bottom_band: int) -> list[str]:
    """Why a unit's result in a run calls for a case (empty: it does not).

    Last place counts only when the rank interval says so: its best rank lies in the bottom
    `bottom_band` places of the kind (`bottom_band_size`). A unit last by point estimate whose interval
    reaches further up is not called last (DESIGN.md §4, honest league tables)."""
    if entry.suppressed:
        return []
    reasons = []
    lowest_grade = bands[-1][1]
    if entry.grade == lowest_grade:
        reasons.append(_("graded %(grade)s (score %(score)s)")
                       % {"grade": lowest_grade, "score": entry.published.score})
    share = entry.satisfied.value if entry.satisfied else None
    if share is not None and 1 - share > dissatisfied_share:
        reasons.append(_("%(share).1f%% of respondents not satisfied (threshold %(threshold).1f%%)")
                       % {"share": 100 * (1 - share), "threshold": 100 * dissatisfied_share})
    band = bottom_band_size(kind_size=kind_size, bottom_band=bottom_band)
    if band and entry.rank == kind_size and entry.rank_low is not None and entry.rank_low > kind_size - band:
        reasons.append(_("ranked last of %(n)d, rank interval %(low)d–%(high)d")
                       % {"n": kind_size, "low": entry.rank_low, "high": entry.rank_high})
    return reasons


@transaction.atomic
def cases_open_from_run(*, run: ScoreRun, actor, today: dt.date | None = None) -> list[RectificationCase]:
    """Open the cases a published run calls for: one per unit whose result warrants it (`score_reasons`),
    one per commitment whose fulfilment score is below the threshold. Safe to repeat.

    The problem is written in Chinese whatever the reader's language: it goes into the public record
    and the 整改情况通报 as it is."""
    with translation.override("zh-hans"):
        return _cases_open_from_run(run=run, actor=actor, today=today or timezone.localdate())


def _cases_open_from_run(*, run: ScoreRun, actor, today: dt.date) -> list[RectificationCase]:
    campaign = run.campaign
    policy = policy_for(campaign)
    result = run.outcome
    units = {u.code: u for u in Unit.objects.filter(code__in=[e.code for e in result.units])}
    kind_sizes: dict[str, int] = {}
    for entry in result.units:
        if entry.rank is not None:
            kind_sizes[entry.kind] = kind_sizes.get(entry.kind, 0) + 1
    opened = []
    for entry in result.units:
        reasons = score_reasons(entry, kind_size=kind_sizes.get(entry.kind, 0), bands=campaign.grade_bands,
                                dissatisfied_share=policy.dissatisfied_share, bottom_band=policy.bottom_band)
        if reasons and not RectificationCase.objects.filter(run=run, unit=units[entry.code],
                                                            source=Source.SCORE).exists():
            problem = _("%(campaign)s: %(reasons)s.") % {"campaign": campaign.title, "reasons": "；".join(reasons)}
            opened.append(_case_open(campaign=campaign, unit=units[entry.code], source=Source.SCORE,
                                     problem=problem, actor=actor, today=today, run=run))
    opened += _cases_from_commitments(run=run, threshold=policy.commitment_threshold, actor=actor, today=today)
    return opened


def _cases_from_commitments(*, run: ScoreRun, threshold: float, actor, today: dt.date) -> list[RectificationCase]:
    """The run's commitment fulfilment scores below `threshold` (`RunResult.commitments`)."""
    low = {c.id: c for c in run.outcome.commitments or () if c.score is not None and c.score < threshold}
    opened = []
    for commitment in Commitment.objects.filter(campaign=run.campaign, pk__in=low).select_related("unit"):
        if RectificationCase.objects.filter(run=run, commitment=commitment, source=Source.COMMITMENT).exists():
            continue
        rated = low[commitment.pk]
        problem = _("Commitment “%(text)s” rated %(score).1f (n = %(n)d), below %(threshold)s.") % {
            "text": commitment.text, "score": rated.score, "n": rated.n or 0, "threshold": threshold}
        opened.append(_case_open(campaign=run.campaign, unit=commitment.unit, source=Source.COMMITMENT,
                                 problem=problem, actor=actor, today=today, run=run, commitment=commitment))
    return opened


@transaction.atomic
def case_open_from_objection(*, objection: Objection, problem: str, actor, today: dt.date | None = None
                             ) -> RectificationCase:
    """Uphold an answered objection: its unit must rectify what it names (one case per objection)."""
    if not is_evaluation_staff(actor):
        raise PermissionDenied
    if objection.status != Objection.Status.ANSWERED:
        raise CaseRefused(_("Only an answered objection can be upheld (objection %(number)s is not).")
                          % {"number": objection.number})
    if objection.unit is None:
        raise CaseRefused(_("Objection %(number)s names no unit: open a case for the unit by hand.")
                          % {"number": objection.number})
    if RectificationCase.objects.filter(objection=objection).exists():
        raise CaseRefused(_("Objection %(number)s already has a case.") % {"number": objection.number})
    return _case_open(campaign=objection.notice.campaign, unit=objection.unit, source=Source.OBJECTION,
                      problem=problem or objection.text, actor=actor, today=today or timezone.localdate(),
                      objection=objection)


@transaction.atomic
def case_open_by_staff(*, campaign: Campaign, unit: Unit, problem: str, actor, source: str = Source.STAFF,
                       reference: str = "", today: dt.date | None = None) -> RectificationCase:
    """A case staff open themselves: from an anonymous comment (its text copied, never its ballot) or
    from an outside complaint (the hotline's reference)."""
    if not is_evaluation_staff(actor):
        raise PermissionDenied
    if source not in (Source.STAFF, Source.HOTLINE):
        raise CaseRefused(_("Staff open cases from comments or outside complaints only."))
    if not unit.evaluator_groups.filter(campaign=campaign).exists():
        raise CaseRefused(_("Unit %(code)s was not evaluated in campaign “%(slug)s”.")
                          % {"code": unit.code, "slug": campaign.slug})
    return _case_open(campaign=campaign, unit=unit, source=source, problem=problem, actor=actor,
                      today=today or timezone.localdate(), reference=reference.strip()[:64])


# --- Moving a case on -------------------------------------------------------------------------------

def _entry(*, case: RectificationCase, kind: str, text: str, actor, file: UploadedFile | None = None) -> CaseEntry:
    user, label = actor_parts(actor)
    entry = CaseEntry(case=case, kind=kind, text=text, actor=user, actor_label=label)
    if file is not None:
        entry.file.save(file.name, file, save=False)
    entry.save()
    return entry


def _locked(case: RectificationCase) -> RectificationCase:
    return RectificationCase.objects.select_for_update().select_related("campaign", "unit").get(pk=case.pk)


def _move(case: RectificationCase, to: str) -> str:
    if to not in TRANSITIONS[case.status]:
        raise CaseRefused(_("Case #%(id)d is %(status)s: it cannot become “%(to)s” now.")
                          % {"id": case.pk, "status": Status(case.status).label, "to": Status(to).label})
    before, case.status = case.status, to
    return before


def attachment_check(file: UploadedFile) -> None:
    """PDF, PNG, JPEG, DOCX or XLSX, at most MINPING_RECTIFICATION_FILE_MAX_BYTES, its content as named."""
    limit = settings.MINPING_RECTIFICATION_FILE_MAX_BYTES
    if file.size > limit:
        raise CaseRefused(_("The attachment is %(size)d bytes; at most %(limit)d are allowed.")
                          % {"size": file.size, "limit": limit})
    suffix = "." + file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    signatures = ATTACHMENT_SIGNATURES.get(suffix)
    if signatures is None:
        raise CaseRefused(_("Attachments must be PDF, PNG, JPEG, DOCX or XLSX files (not “%(name)s”).")
                          % {"name": file.name})
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head.startswith(signatures):
        raise CaseRefused(_("“%(name)s” is not a %(type)s file.") % {"name": file.name, "type": suffix[1:].upper()})


@transaction.atomic
def case_report(*, case: RectificationCase, kind: str, text: str, actor, file: UploadedFile | None = None,
                today: dt.date | None = None) -> RectificationCase:
    """The unit reports its plan, measures taken or completion (with an optional attachment)."""
    if kind not in REPORT_TARGETS:
        raise CaseRefused(_("Unknown kind of report “%(kind)s”.") % {"kind": kind})
    if not can_act_for_unit(actor, case.unit):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise CaseRefused(_("Write what the unit reports."))
    if file is not None:
        attachment_check(file)
    case = _locked(case)
    before = _move(case, REPORT_TARGETS[kind])
    if kind == Kind.REPORT:
        case.completed_on = today or timezone.localdate()
    case.save(update_fields=["status", "completed_on"])
    entry = _entry(case=case, kind=kind, text=text, actor=actor, file=file)
    audit_record(actor=actor, action=f"rectification.{kind}", obj=case,
                 data={"from": before, "to": case.status, "entry": entry.pk, "file": entry.file.name or None})
    return case


@transaction.atomic
def case_review(*, case: RectificationCase, to: str, text: str, actor, today: dt.date | None = None
                ) -> RectificationCase:
    """Staff verify a completed case, return it for more work, or reject it (the reason is required)."""
    if not is_evaluation_staff(actor):
        raise PermissionDenied
    kinds = {Status.VERIFIED: Kind.VERIFIED, Status.IN_PROGRESS: Kind.RETURNED, Status.REJECTED: Kind.REJECTED}
    if to not in kinds:
        raise CaseRefused(_("Staff verify, return or reject a case."))
    text = text.strip()
    if not text:
        raise CaseRefused(_("Write the verification note or the reason."))
    case = _locked(case)
    if to == Status.IN_PROGRESS and case.status != Status.DONE:
        raise CaseRefused(_("Only a case reported done can be returned for more work."))
    before = _move(case, to)
    if to == Status.REJECTED:
        case.reason = text
    if to == Status.IN_PROGRESS:
        case.completed_on = None
    if case.is_closed:
        case.closed_on = today or timezone.localdate()
    case.save(update_fields=["status", "reason", "completed_on", "closed_on"])
    _entry(case=case, kind=kinds[to], text=text, actor=actor)
    audit_record(actor=actor, action=f"rectification.{kinds[to]}", obj=case, data={"from": before, "to": to})
    return case


@transaction.atomic
def cases_mark_overdue(*, today: dt.date, actor) -> list[RectificationCase]:
    """Mark every unfinished case whose rectification deadline has passed (run daily: `mark_overdue`)."""
    late = (RectificationCase.objects.select_for_update()
            .filter(status__in=[Status.OPEN, Status.PLAN_SUBMITTED, Status.IN_PROGRESS], due_on__lt=today)
            .order_by("id"))
    marked = []
    for case in late:
        before = _move(case, Status.OVERDUE)
        case.save(update_fields=["status"])
        _entry(case=case, kind=Kind.OVERDUE, text=_("Deadline %(due)s passed.") % {"due": case.due_on.isoformat()},
               actor=actor)
        audit_record(actor=actor, action="rectification.overdue", obj=case,
                     data={"from": before, "due_on": case.due_on.isoformat()})
        marked.append(case)
    return marked


# --- Return visits (回访) ------------------------------------------------------------------------------

RATEABLE = (Status.DONE, Status.VERIFIED)


def _visit(*, case: RectificationCase, grade: str, today: dt.date, objection: Objection | None) -> ReturnVisit:
    if grade not in VISIT_GRADES:
        raise CaseRefused(_("Choose one of the grades."))
    if case.status not in RATEABLE:
        raise CaseRefused(_("This rectification is not finished yet: it can be rated once the unit reports it done."))
    label, score = VISIT_GRADES[grade]
    try:
        with transaction.atomic():
            visit = ReturnVisit.objects.create(case=case, objection=objection, grade=label, score=score,
                                               satisfied=score >= float(case.campaign.satisfied_threshold),
                                               received_on=today)
    except IntegrityError:
        raise CaseRefused(_("This confirmation number has already been used to rate the rectification.")) from None
    audit_record(actor="return visit", action="rectification.visit", obj=case,
                 data={"grade": label, "by_objection": objection is not None})
    return visit


@transaction.atomic
def visit_by_objection(*, number: str, grade: str, today: dt.date | None = None) -> ReturnVisit:
    """Whoever filed an upheld objection rates the fix with its 受理编号, once."""
    objection = objection_by_number(number)
    case = case_of_objection(objection) if objection is not None else None
    if case is None:
        raise CaseRefused(_("No rectification case belongs to this confirmation number."))
    if objection_has_rated(objection):
        raise CaseRefused(_("This confirmation number has already been used to rate the rectification."))
    return _visit(case=case, grade=grade, today=today or timezone.localdate(), objection=objection)


@transaction.atomic
def visit_public(*, case: RectificationCase, grade: str, today: dt.date | None = None) -> ReturnVisit:
    """A follow-up rating through the public link of a case from scoring (the view limits it per client)."""
    if case.source not in (Source.SCORE, Source.COMMITMENT):
        raise CaseRefused(_("This case is rated by whoever raised it, with their confirmation number."))
    return _visit(case=case, grade=grade, today=today or timezone.localdate(), objection=None)
