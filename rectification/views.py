"""Rectification pages: the public accountability page and a case's timeline, return visits, the
signed-in pages where unit contacts act on their own units' cases and staff on all.

Thin views: reads from `selectors`, writes through `services`; every view checks its own permissions.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jobs.services import job_enqueue
from minping.lib import ratelimit
from publicity.selectors import objection_by_number
from surveys.models import Campaign, Unit
from surveys.roles import is_evaluation_staff, require_evaluation_staff

from . import notice, selectors, services
from .forms import CaseFilterForm, CaseForm, RateForm, ReportForm, ReviewForm, VisitForm
from .jobs import publish_rectification_notice
from .models import RectificationCase

PAGE_SIZE = 50


@require_safe
def case_list(request):
    """Every case, filterable by campaign, unit kind, unit and status; per campaign the three rates."""
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.cases_filtered(**{k: v for k, v in filters.items() if v})
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    campaigns = selectors.campaigns_with_cases()
    if filters.get("campaign"):
        campaigns = campaigns.filter(slug=filters["campaign"])
    rates = [(c, selectors.campaign_rates(c, today=today)) for c in campaigns]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rectification/list.html", {"form": form, "page": page, "rates": rates,
                                                       "query": query.urlencode()})


@require_safe
def case_detail(request, case: int):
    target = get_object_or_404(RectificationCase.objects.select_related("campaign", "unit"), pk=case)
    user = request.user
    can_act = user.is_authenticated and selectors.can_act_for_unit(user, target.unit)
    return render(request, "rectification/detail.html", {
        "case": target, "entries": target.entries.select_related(None).order_by("at", "id"),
        "public_rating": target.source in (RectificationCase.Source.SCORE, RectificationCase.Source.COMMITMENT)
        and target.status in services.RATEABLE,
        "report_form": ReportForm() if can_act else None,
        "review_form": ReviewForm() if user.is_authenticated and is_evaluation_staff(user) else None})


def _limited(request, scope: str) -> bool:
    client = ratelimit.client_fingerprint(request)
    if ratelimit.over_limit(scope, client, settings.MINPING_RETURN_VISITS_LIMIT):
        return True
    ratelimit.hit(scope, client, settings.MINPING_RETURN_VISITS_WINDOW)
    return False


def case_rate(request, case: int):
    """The public follow-up round of a case from scoring: anyone may rate the fix, rate limited per client."""
    target = get_object_or_404(RectificationCase.objects.select_related("campaign", "unit"), pk=case)
    form = RateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request, "return-visit"):
            return render(request, "rectification/rate.html", {"case": target, "form": form, "limited": True},
                          status=429)
        if form.is_valid():
            try:
                services.visit_public(case=target, grade=form.cleaned_data["grade"])
            except services.CaseRefused as refused:
                form.add_error(None, str(refused))
            else:
                return render(request, "rectification/thanks.html", {"case": target})
    return render(request, "rectification/rate.html", {"case": target, "form": form},
                  status=400 if form.errors else 200)


def visit(request):
    """回访: whoever filed an upheld objection rates the fix with its confirmation number, once."""
    form = VisitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request, "return-visit-number"):
            return render(request, "rectification/visit.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            try:
                visited = services.visit_by_objection(number=form.cleaned_data["number"],
                                                      grade=form.cleaned_data["grade"])
            except services.CaseRefused as refused:
                form.add_error(None, str(refused))
            else:
                return render(request, "rectification/thanks.html", {"case": visited.case})
    return render(request, "rectification/visit.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_safe
def my_cases(request):
    """The cases this user may act on: a contact's own units', or all for staff."""
    staff = is_evaluation_staff(request.user)
    cases = selectors.cases_for_user(request.user)
    if not staff and not cases.exists() and not Unit.objects.filter(contacts__user=request.user).exists():
        raise PermissionDenied
    publishable = []
    if staff:
        publishable = [(c, notice.publish_problems(c)) for c in selectors.campaigns_with_cases()]
    return render(request, "rectification/mine.html", {"cases": cases, "staff": staff, "publishable": publishable})


@login_required
@require_POST
def case_report(request, case: int):
    target = get_object_or_404(RectificationCase.objects.select_related("unit"), pk=case)
    if not selectors.can_act_for_unit(request.user, target.unit):
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_report(case=target, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                                 file=form.cleaned_data["file"], actor=request.user)
            messages.success(request, _("Saved."))
        except services.CaseRefused as refused:
            messages.error(request, str(refused))
    else:
        _form_errors(request, form)
    return redirect("rectification:detail", case=target.pk)


@login_required
@require_POST
def case_review(request, case: int):
    require_evaluation_staff(request.user)
    target = get_object_or_404(RectificationCase, pk=case)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.case_review(case=target, to=form.cleaned_data["to"], text=form.cleaned_data["text"],
                                 actor=request.user)
            messages.success(request, _("Saved."))
        except services.CaseRefused as refused:
            messages.error(request, str(refused))
    else:
        _form_errors(request, form)
    return redirect("rectification:detail", case=target.pk)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@login_required
def case_new(request):
    """Staff open a case: uphold an answered objection, or copy an anonymous comment's text."""
    require_evaluation_staff(request.user)
    form = CaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        opened = _open_case(form, request.user)
        if opened is not None:
            return redirect("rectification:detail", case=opened.pk)
    return render(request, "rectification/new.html", {"form": form}, status=400 if form.errors else 200)


def _open_case(form: CaseForm, user) -> RectificationCase | None:
    data = form.cleaned_data
    try:
        if data["objection"]:
            objection = objection_by_number(data["objection"])
            if objection is None:
                form.add_error("objection", _("No objection has this confirmation number."))
                return None
            return services.case_open_from_objection(objection=objection, problem=data["problem"], actor=user)
        campaign = Campaign.objects.filter(slug=data["campaign"]).first()
        unit = Unit.objects.filter(code=data["unit"]).first()
        if campaign is None:
            form.add_error("campaign", _("No campaign has this slug."))
        if unit is None:
            form.add_error("unit", _("No unit has this code."))
        if form.errors:
            return None
        return services.case_open_by_staff(campaign=campaign, unit=unit, problem=data["problem"], actor=user)
    except services.CaseRefused as refused:
        form.add_error(None, str(refused))
        return None


@login_required
@require_POST
def notice_publish(request, campaign: str):
    """Rendering and storing the 整改情况通报 takes seconds: a background job, whose page follows it."""
    require_evaluation_staff(request.user)
    target = get_object_or_404(Campaign, slug=campaign)
    problems = notice.publish_problems(target)
    if problems:
        for reason in problems:
            messages.error(request, reason)
        return redirect("rectification:mine")
    job = job_enqueue(handler=publish_rectification_notice, actor=request.user, params={"campaign_id": target.pk},
                      title_args={"campaign": target.title})
    return redirect("jobs:detail", pk=job.pk)


