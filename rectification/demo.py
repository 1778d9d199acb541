"""Demo cases for demo-2026 (`manage.py seed_rectification_demo`, run by `make demo` after `seed_demo`):
staff-sourced cases opened on past dates and taken through the status map, so that a newcomer sees
every stage — verified, done, in progress, a plan, an open case, a rejection, and one overdue."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from surveys.demo import CAMPAIGN_SLUG, CONTACT_USERNAME, STAFF_USERNAME
from surveys.models import Campaign, Unit, UnitContact

from .models import RectificationCase
from .services import case_open_by_staff, case_report, case_review, cases_mark_overdue

Status = RectificationCase.Status
ACTOR = "manage.py seed_rectification_demo"

# (days ago, problem (an anonymous comment, copied), the steps taken, then staff's decision)
CASES = (
    (40, "评议意见：办理居住证要跑三趟，材料清单前后说法不一。",
     ("一次性告知材料清单，窗口张贴并上网公示。", "已在窗口和网站公示清单，工作人员培训两次。", "抽查 30 件均一次办结。"), "现场核实属实，予以验收。"),
    (30, "评议意见：社区服务站午间无人值守，老人办事吃闭门羹。",
     ("实行午间轮班值守。", "10 月起午间安排两人轮值。", "午间值守已落实，登记在册。"), None),
    (25, "评议意见：街道办门口停车难，群众办事无处停车。", ("协调周边单位错时开放停车位。",), None),
    (8, "评议意见：窗口叫号系统经常故障，排队秩序混乱。", ("更换叫号设备，增加引导员。", "新叫号设备已到货，正在安装。"), None),
    (2, "评议意见：办事指南网页多处链接失效。", (), None),
)
REJECTED = (12, "12345 热线转办：反映某社区收取材料费。", "经核查，所收费用为群众自愿复印费用，已退还并公示收费依据；不予立项。")


def seed_cases(*, today: dt.date | None = None) -> list[RectificationCase]:
    """Open the demo's cases (nothing when they exist already). The first goes to the demo contact's unit."""
    today = today or timezone.localdate()
    campaign = Campaign.objects.get(slug=CAMPAIGN_SLUG)
    if campaign.rectification_cases.filter(source=RectificationCase.Source.STAFF).exists():
        return []
    users = get_user_model().objects
    staff = users.get(username=STAFF_USERNAME)
    contact = users.get(username=CONTACT_USERNAME)
    own = UnitContact.objects.filter(user=contact).values_list("unit_id", flat=True)
    rated = Unit.objects.filter(evaluator_groups__campaign=campaign).distinct()
    units = [*rated.filter(pk__in=own).order_by("code")[:1], *rated.exclude(pk__in=own).order_by("kind", "code")]
    with transaction.atomic():
        cases = [_case(campaign, unit, staff, contact, today, *spec) for unit, spec in zip(units, CASES, strict=False)]
        days, problem, reason = REJECTED
        rejected = case_open_by_staff(campaign=campaign, unit=units[len(CASES)], problem=problem, actor=staff,
                                      source=RectificationCase.Source.HOTLINE, reference="12345-2026-0815",
                                      today=today - dt.timedelta(days=days))
        cases.append(case_review(case=rejected, to=Status.REJECTED, text=reason, actor=staff, today=today))
        cases_mark_overdue(today=today, actor=ACTOR)
    return cases


def _case(campaign, unit, staff, contact, today, days, problem, steps, decision) -> RectificationCase:
    opened = today - dt.timedelta(days=days)
    case = case_open_by_staff(campaign=campaign, unit=unit, problem=problem, actor=staff, today=opened)
    actor = contact if UnitContact.objects.filter(user=contact, unit=unit).exists() else staff
    for kind, text in zip(("plan", "measures", "report"), steps, strict=False):
        case = case_report(case=case, kind=kind, text=text, actor=actor, today=opened + dt.timedelta(days=days // 2))
    if decision:
        case = case_review(case=case, to=Status.VERIFIED, text=decision, actor=staff, today=today)
    return case
