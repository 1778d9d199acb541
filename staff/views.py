"""The staff area: a start page listing the campaigns, each campaign's dashboard, and the
confirmation pages of its status moves.

Thin: reads from `staff.selectors`, moves through the existing services (`staff.moves` says
which). Every view is for evaluation staff only (anonymous → sign-in, others → 403).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from scoring.jobs import score_campaign_start
from surveys.models import Campaign
from surveys.roles import require_evaluation_staff
from surveys.services import TransitionRefused, campaign_set_status

from . import moves, selectors
from .chart import daily_bars_svg


@login_required
@require_safe
def staff_home(request):
    require_evaluation_staff(request.user)
    return render(request, "staff/home.html", {"campaigns": selectors.campaigns_overview()})


@never_cache
@login_required
@require_safe
def campaign_dashboard(request, slug: str):
    require_evaluation_staff(request.user)
    campaign = get_object_or_404(Campaign, slug=slug)
    dashboard = selectors.campaign_dashboard(campaign)
    chart = daily_bars_svg(dashboard.chart_days, title=_("Ballots per day"),
                           axis_label=_("Day received")) if dashboard.days else ""
    return render(request, "staff/dashboard.html", {
        "campaign": campaign, "dashboard": dashboard, "chart": chart, "moves": moves.moves_available(campaign),
        "refresh_seconds": settings.MINPING_DASHBOARD_REFRESH_SECONDS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def campaign_move(request, slug: str, move: str):
    """GET: what the move will do, and a button; POST: do it (the button's form)."""
    require_evaluation_staff(request.user)
    campaign = get_object_or_404(Campaign, slug=slug)
    chosen = moves.move_get(move)
    if chosen is None:
        raise Http404
    problems = moves.move_problems(chosen, campaign)
    if request.method == "GET":
        return render(request, "staff/confirm.html", {
            "campaign": campaign, "move": chosen, "problems": problems,
            "consequence": moves.move_consequence(chosen, campaign)})
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("staff:dashboard", slug=campaign.slug)
    if chosen.target is None:
        # Scoring a large campaign takes a while: a background job, whose page shows its progress.
        job = score_campaign_start(campaign=campaign, actor=request.user)
        return redirect("jobs:detail", pk=job.pk)
    try:
        campaign_set_status(campaign=campaign, status=chosen.target, actor=request.user)
    except TransitionRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, _("The campaign is now “%(status)s”.")
                         % {"status": Campaign.Status(campaign.status).label})
    return redirect("staff:dashboard", slug=campaign.slug)
