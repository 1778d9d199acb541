"""Reads of the rectification app: a campaign's policy, the public list of cases, the rates."""
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from scoring.selectors import contact_unit_ids
from surveys.models import Campaign, Unit
from surveys.roles import is_evaluation_staff

from .models import RectificationCase, RectificationPolicy, ReturnVisit

Status = RectificationCase.Status


def policy_for(campaign: Campaign) -> RectificationPolicy:
    """The campaign's policy, or the defaults (an unsaved row) when staff set none."""
    return RectificationPolicy.objects.filter(campaign=campaign).first() or RectificationPolicy(campaign=campaign)


def cases_filtered(*, campaign: str = "", kind: str = "", unit: str = "", status: str = "") -> QuerySet:
    """Cases for the public page and the API, by campaign slug, unit kind, unit code and status."""
    cases = RectificationCase.objects.select_related("campaign", "unit").order_by("-opened_on", "-id")
    if campaign:
        cases = cases.filter(campaign__slug=campaign)
    if kind:
        cases = cases.filter(unit__kind=kind)
    if unit:
        cases = cases.filter(unit__code=unit)
    if status:
        cases = cases.filter(status=status)
    return cases


def case_of_objection(objection) -> RectificationCase | None:
    """The case opened from an upheld objection (one at most), or None."""
    return RectificationCase.objects.select_related("campaign", "unit").filter(objection=objection).first()


def objection_has_rated(objection) -> bool:
    """Whether whoever filed `objection` has rated its case's fix (their 受理编号 rates once)."""
    return ReturnVisit.objects.filter(objection=objection).exists()


def can_act_for_unit(user, unit: Unit) -> bool:
    """Staff act on every case; a unit contact only on their own units' cases."""
    return is_evaluation_staff(user) or unit.pk in contact_unit_ids(user)


def cases_for_user(user) -> QuerySet:
    """The cases a signed-in user may act on: all for staff, their units' for a contact."""
    cases = RectificationCase.objects.select_related("campaign", "unit").order_by("due_on", "id")
    if is_evaluation_staff(user):
        return cases
    return cases.filter(unit_id__in=contact_unit_ids(user))


@dataclass(frozen=True)
class Rate:
    hits: int
    n: int

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None


@dataclass(frozen=True)
class CampaignRates:
    """整改完成率: verified among the cases not rejected. 按期完成率: verified with the completion report
    by the deadline, among the cases not rejected whose deadline has passed or that are verified (a case
    still within its time is neither on time nor late yet). 回访满意率: satisfied return visits among all."""
    completed: Rate
    on_time: Rate
    visits_satisfied: Rate
    overdue: int


def campaign_rates(campaign: Campaign, *, today) -> CampaignRates:
    cases = RectificationCase.objects.filter(campaign=campaign).exclude(status=Status.REJECTED)
    verified = cases.filter(status=Status.VERIFIED)
    decided = cases.filter(Q(status=Status.VERIFIED) | Q(due_on__lt=today))
    on_time = verified.filter(completed_on__lte=F("due_on"))
    visits = ReturnVisit.objects.filter(case__campaign=campaign)
    return CampaignRates(
        completed=Rate(verified.count(), cases.count()),
        on_time=Rate(on_time.count(), decided.count()),
        visits_satisfied=Rate(visits.filter(satisfied=True).count(), visits.count()),
        overdue=cases.filter(status=Status.OVERDUE).count(),
    )


def campaigns_with_cases() -> QuerySet:
    return Campaign.objects.filter(rectification_cases__isnull=False).distinct().order_by("-year", "slug")
