"""Commitments (承诺事项, 一事一诺): entered by a unit's contact, approved by staff before the campaign
opens, frozen from then on, shown on the ballot under their unit and rated there (兑现情况).

Writes are `commitment_<action>` services (keyword-only, one transaction, audited); reads are the
selectors below them; the ballot hooks at the end are what `surveys.ballots` and the ballot page call.
Every write locks the campaign row, as opening it does (`campaign_set_status`): a commitment cannot
change in the moment the campaign opens.
"""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Campaign, Commitment, Question, Unit, UnitContact
from .roles import is_evaluation_staff, require_evaluation_staff

Status = Commitment.Status
TEXT_MAX = 500
TARGET_MAX = 200
REASON_MAX = 500


class CommitmentRefused(Exception):
    """A change the rules do not allow now; the message says why, in the user's language."""


# --- Who may do what ---------------------------------------------------------------------------

def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def may_enter(actor, unit: Unit) -> bool:
    """The unit's contacts and evaluation staff enter a unit's commitments; a command (a label, not a
    user: `seed_demo`) acts for the office."""
    if not _is_user(actor):
        return True
    return is_evaluation_staff(actor) or UnitContact.objects.filter(user=actor, unit=unit).exists()


def _require_entry(actor, unit: Unit) -> None:
    if not may_enter(actor, unit):
        raise PermissionDenied


def _require_review(actor) -> None:
    if _is_user(actor):
        require_evaluation_staff(actor)


# --- Checks ----------------------------------------------------------------------------------------

def _locked_draft(campaign: Campaign) -> Campaign:
    """The campaign row, locked; refused unless it is still a draft (commitments freeze when it opens)."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != Campaign.Status.DRAFT:
        raise CommitmentRefused(
            _("Campaign “%(title)s” has opened: its commitments are frozen and can no longer change.")
            % {"title": locked.title})
    return locked


def _clean_fields(text, target, due_on) -> tuple[str, str, dt.date | None]:
    text = (text or "").strip()
    target = (target or "").strip()
    if not text:
        raise CommitmentRefused(_("Write the commitment."))
    if len(text) > TEXT_MAX:
        raise CommitmentRefused(_("A commitment has at most %(max)d characters (this has %(n)d).")
                                % {"max": TEXT_MAX, "n": len(text)})
    if len(target) > TARGET_MAX:
        raise CommitmentRefused(_("A target has at most %(max)d characters (this has %(n)d).")
                                % {"max": TARGET_MAX, "n": len(target)})
    if due_on is not None and not isinstance(due_on, dt.date):
        raise CommitmentRefused(_("The due date is not a date."))
    return text, target, due_on


def _rated_units(campaign: Campaign) -> QuerySet[Unit]:
    return Unit.objects.filter(evaluator_groups__campaign=campaign).distinct()


def _locked_commitment(commitment: Commitment) -> tuple[Campaign, Commitment]:
    campaign = _locked_draft(commitment.campaign)
    return campaign, Commitment.objects.select_for_update().select_related("unit").get(pk=commitment.pk)


def _audit(actor, action: str, commitment: Commitment, **data) -> None:
    audit_record(actor=actor, action=f"commitment.{action}", obj=commitment,
                 data={"campaign": commitment.campaign_id, "unit": commitment.unit.code, **data})


# --- Services --------------------------------------------------------------------------------------

@transaction.atomic
def commitment_create(*, campaign: Campaign, unit: Unit, text: str, target: str = "",
                      due_on: dt.date | None = None, actor) -> Commitment:
    """A new draft commitment of `unit` for `campaign` (at most three that are not rejected)."""
    _require_entry(actor, unit)
    locked = _locked_draft(campaign)
    text, target, due_on = _clean_fields(text, target, due_on)
    if not _rated_units(locked).filter(pk=unit.pk).exists():
        raise CommitmentRefused(_("%(unit)s is not evaluated in “%(title)s”.") % {"unit": unit.name, "title": locked.title})
    existing = Commitment.objects.filter(campaign=locked, unit=unit).exclude(status=Status.REJECTED)
    if existing.count() >= Commitment.MAX_PER_UNIT:
        raise CommitmentRefused(_("A unit makes at most %(max)d commitments per campaign.")
                                % {"max": Commitment.MAX_PER_UNIT})
    commitment = Commitment.objects.create(
        campaign=locked, unit=unit, text=text, target=target, due_on=due_on,
        order=(max(existing.values_list("order", flat=True), default=0) + 1),
        created_by=actor if _is_user(actor) else None)
    _audit(actor, "create", commitment, text=text, target=target, due_on=due_on and due_on.isoformat())
    return commitment


@transaction.atomic
def commitment_update(*, commitment: Commitment, text: str, target: str = "", due_on: dt.date | None = None,
                      actor) -> Commitment:
    """Change a draft or rejected commitment's wording; a rejected one becomes a draft again."""
    _require_entry(actor, commitment.unit)
    _campaign, locked = _locked_commitment(commitment)
    if locked.status not in (Status.DRAFT, Status.REJECTED):
        raise CommitmentRefused(_("Only a draft or a rejected commitment can be changed; this one is %(status)s.")
                                % {"status": locked.get_status_display()})
    locked.text, locked.target, locked.due_on = _clean_fields(text, target, due_on)
    locked.status = Status.DRAFT
    locked.save(update_fields=["text", "target", "due_on", "status"])
    _audit(actor, "update", locked, text=locked.text, target=locked.target,
           due_on=locked.due_on and locked.due_on.isoformat())
    return locked


@transaction.atomic
def commitment_delete(*, commitment: Commitment, actor) -> None:
    """Remove a draft or rejected commitment (never one that was approved)."""
    _require_entry(actor, commitment.unit)
    _campaign, locked = _locked_commitment(commitment)
    if locked.status not in (Status.DRAFT, Status.REJECTED):
        raise CommitmentRefused(_("Only a draft or a rejected commitment can be deleted; this one is %(status)s.")
                                % {"status": locked.get_status_display()})
    _audit(actor, "delete", locked, text=locked.text)
    locked.delete()


@transaction.atomic
def commitment_submit(*, commitment: Commitment, actor) -> Commitment:
    """Send a draft commitment to the evaluation office for approval."""
    _require_entry(actor, commitment.unit)
    _campaign, locked = _locked_commitment(commitment)
    if locked.status != Status.DRAFT:
        raise CommitmentRefused(_("Only a draft commitment can be submitted; this one is %(status)s.")
                                % {"status": locked.get_status_display()})
    locked.status, locked.submitted_at = Status.SUBMITTED, timezone.now()
    locked.save(update_fields=["status", "submitted_at"])
    _audit(actor, "submit", locked)
    return locked


def _review(commitment: Commitment, actor, status: str, note: str) -> Commitment:
    _require_review(actor)
    _campaign, locked = _locked_commitment(commitment)
    if locked.status != Status.SUBMITTED:
        raise CommitmentRefused(_("Only a submitted commitment can be approved or rejected; this one is %(status)s.")
                                % {"status": locked.get_status_display()})
    locked.status, locked.review_note = status, note
    locked.reviewed_by, locked.reviewed_at = (actor if _is_user(actor) else None), timezone.now()
    locked.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _audit(actor, "approve" if status == Status.APPROVED else "reject", locked, **({"reason": note} if note else {}))
    return locked


@transaction.atomic
def commitment_approve(*, commitment: Commitment, actor) -> Commitment:
    """Approve a submitted commitment (staff): it will be published and rated."""
    return _review(commitment, actor, Status.APPROVED, "")


@transaction.atomic
def commitment_reject(*, commitment: Commitment, reason: str, actor) -> Commitment:
    """Send a submitted commitment back with the reason (staff); the unit may change and resubmit it."""
    reason = (reason or "").strip()
    if not reason:
        raise CommitmentRefused(_("Say why the commitment is rejected."))
    if len(reason) > REASON_MAX:
        raise CommitmentRefused(_("A reason has at most %(max)d characters (this has %(n)d).")
                                % {"max": REASON_MAX, "n": len(reason)})
    return _review(commitment, actor, Status.REJECTED, reason)


# --- Selectors -------------------------------------------------------------------------------------

def contact_units(user) -> list[Unit]:
    """The units `user` is a contact of."""
    return list(Unit.objects.filter(contacts__user=user).order_by("code"))


@dataclass
class UnitCommitments:
    campaign: Campaign
    unit: Unit
    commitments: list[Commitment]

    @property
    def editable(self) -> bool:
        return self.campaign.status == Campaign.Status.DRAFT

    @property
    def room(self) -> bool:
        """May the unit add another commitment?"""
        live = [c for c in self.commitments if c.status != Status.REJECTED]
        return self.editable and len(live) < Commitment.MAX_PER_UNIT


def commitments_for_units(units: list[Unit]) -> list[UnitCommitments]:
    """Per campaign rating any of `units` (newest first) and unit: its commitments."""
    campaigns = (Campaign.objects.filter(groups__units__in=units).distinct().order_by("-year", "slug"))
    rated = {(c, u) for c, u in Unit.objects.filter(pk__in=[u.pk for u in units])
             .values_list("evaluator_groups__campaign_id", "pk")}
    commitments: dict[tuple[int, int], list[Commitment]] = {}
    for c in Commitment.objects.filter(unit__in=units).order_by("order", "id"):
        commitments.setdefault((c.campaign_id, c.unit_id), []).append(c)
    return [UnitCommitments(campaign, unit, commitments.get((campaign.pk, unit.pk), []))
            for campaign in campaigns for unit in units if (campaign.pk, unit.pk) in rated]


def commitments_to_review() -> QuerySet[Commitment]:
    """Submitted commitments of campaigns that have not opened, oldest submission first."""
    return (Commitment.objects.filter(status=Status.SUBMITTED, campaign__status=Campaign.Status.DRAFT)
            .select_related("campaign", "unit").order_by("submitted_at", "id"))


def commitments_public(campaign: Campaign) -> QuerySet[Commitment]:
    """What the public sees: the approved commitments, once the campaign has opened (none before)."""
    if campaign.status == Campaign.Status.DRAFT:
        return Commitment.objects.none()
    return (Commitment.objects.filter(campaign=campaign, status=Status.APPROVED)
            .select_related("unit").order_by("unit__kind", "unit__code", "order", "id"))


def commitments_by_kind(campaign: Campaign) -> list[tuple[str, list[tuple[Unit, list[Commitment]]]]]:
    """The public page's sections: (unit kind label, [(unit, its commitments)]) in the kinds' order."""
    sections: dict[str, dict[Unit, list[Commitment]]] = {}
    for c in commitments_public(campaign):
        sections.setdefault(c.unit.kind, {}).setdefault(c.unit, []).append(c)
    labels = dict(Unit.Kind.choices)
    return [(labels.get(kind, kind), list(units.items())) for kind, units in
            sorted(sections.items(), key=lambda item: Unit.Kind.values.index(item[0])
                   if item[0] in Unit.Kind.values else len(Unit.Kind.values))]


# --- On the ballot ---------------------------------------------------------------------------------
# A 兑现情况 answer goes in as question "commitment:<id>" (a colon is never part of a question key),
# the unit optional, the value an option of the campaign's grade scale: the first required per-unit
# grade question that is not a dimension (the unit's overall grade). It is stored as an Answer to that
# question carrying the commitment, packed with the commitment id as the seventh field.

PREFIX = "commitment:"
FORM_PREFIX = "c:"


def answer_key(commitment: Commitment) -> str:
    return f"{PREFIX}{commitment.pk}"


def grade_scale(questions: list[Question]) -> Question | None:
    """The question whose options rate a commitment, or None (no commitment is asked then)."""
    grades = [q for q in questions if q.per_unit and q.kind == Question.Kind.GRADE and not q.is_dimension]
    return next((q for q in grades if q.required), grades[0] if grades else None)


def sheet_commitments(group) -> dict[str, list[Commitment]]:
    """Unit code → the approved commitments the ballot of `group` asks about (nothing unless the
    questionnaire has a grade question to rate them with)."""
    by_unit: dict[str, list[Commitment]] = {}
    commitments = (Commitment.objects.filter(campaign_id=group.campaign_id, status=Status.APPROVED,
                                             unit__in=group.units.all()).select_related("unit").order_by("order", "id"))
    for c in commitments:
        by_unit.setdefault(c.unit.code, []).append(c)
    return by_unit


def commitments_on_sheet(sheet) -> list[Commitment]:
    """The commitments this (possibly narrowed) sheet asks about, in the order of its units."""
    if sheet.commitment_scale is None:
        return []
    return [c for unit in sheet.units for c in sheet.commitments.get(unit.code, [])]


def split_answers(sheet, answers: list) -> tuple[list, list[list], list]:
    """Take the 兑现情况 answers out of `answers`: (the other answers, the commitments' packed answers,
    BallotErrors). Blank values are unanswered: every commitment question is optional."""
    from .ballots import BallotError

    rest, packed, errors, seen = [], [], [], set()
    asked = {answer_key(c): c for c in commitments_on_sheet(sheet)}
    scale = sheet.commitment_scale
    for answer in answers:
        if not (isinstance(answer.question, str) and answer.question.startswith(PREFIX)):
            rest.append(answer)
            continue
        commitment = asked.get(answer.question)
        unit = answer.unit or None
        if commitment is None:
            errors.append(BallotError(answer.question, unit, _("Commitment “%(key)s” is not on this ballot.")
                                      % {"key": answer.question[len(PREFIX):]}))
            continue
        name = _("%(unit)s's commitment “%(text)s”") % {"unit": commitment.unit.name, "text": _short(commitment.text)}
        if unit is not None and unit != commitment.unit.code:
            errors.append(BallotError(answer.question, unit, _("%(name)s belongs to another unit.") % {"name": name}))
            continue
        if answer.question in seen:
            errors.append(BallotError(answer.question, unit, _("%(name)s is answered more than once.") % {"name": name}))
            continue
        seen.add(answer.question)
        if answer.value is None or answer.value == "":
            continue
        option = sheet.options[scale.key].get(answer.value) if isinstance(answer.value, str) else None
        if option is None:
            errors.append(BallotError(answer.question, commitment.unit.code,
                                      _("%(name)s: “%(value)s” is not one of the options.")
                                      % {"name": name, "value": answer.value}))
            continue
        packed.append([scale.id, commitment.unit_id, option.id, None, "", None, commitment.pk])
    return rest, packed, errors


def _short(text: str, length: int = 20) -> str:
    return text if len(text) <= length else f"{text[:length]}…"


def ballot_payload_commitments(sheet) -> list[dict]:
    """The ballot API's "commitments": what to answer, under which key, on which scale."""
    scale = sheet.commitment_scale
    return [{"key": answer_key(c), "id": c.pk, "unit": c.unit.code, "text": c.text, "target": c.target,
             "due_on": c.due_on.isoformat() if c.due_on else None, "scale": scale.key}
            for c in commitments_on_sheet(sheet)]
