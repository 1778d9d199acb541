"""Ballot pages: mobile first, complete without JavaScript. Thin: the work is in surveys.ballots."""
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import ratelimit
from .ballot_page import answers_from_post, form_context
from .ballots import (
    BallotInvalid,
    CampaignNotOpen,
    InvitationNotFound,
    InvitationUsed,
    ballot_cast,
    cached_ballot_sheet,
    campaign_refusal,
    invitation_for_code,
)
from .codes import InvalidCode, format_code, normalize_code
from .models import Ballot, EvaluatorGroup


def _unavailable(request, message: str, status: int):
    return render(request, "surveys/ballot_unavailable.html", {"message": message}, status=status)


def code_guessing_blocked(request) -> bool:
    client = ratelimit.client_fingerprint(request)
    return ratelimit.over_limit("code-failures", client, settings.MINPING_CODE_FAILURES_LIMIT)


def count_code_failure(request) -> None:
    ratelimit.hit("code-failures", ratelimit.client_fingerprint(request), settings.MINPING_CODE_FAILURES_WINDOW)


@never_cache
def ballot_enter(request):
    """/b/: type the code from a printed slip."""
    raw = request.GET.get("code", "")
    error = ""
    if raw:
        try:
            return redirect("ballot", code=format_code(normalize_code(raw)))
        except InvalidCode:
            error = _("This is not a valid code. Check it and try again.")
    return render(request, "surveys/ballot_enter.html", {"code": raw, "error": error}, status=400 if error else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request, code: str):
    """/b/<code>/: the ballot of an invitation."""
    if code_guessing_blocked(request):
        return _unavailable(request, _("Too many wrong codes from this connection. Try again later."), 429)
    try:
        invitation = invitation_for_code(code)
    except InvitationNotFound:
        count_code_failure(request)
        return _unavailable(request, _("This code is not valid. Check it against your invitation."), 404)
    if invitation.used:
        return _unavailable(request, _("This invitation has already been used. Each invitation can be used once."), 409)
    return _ballot_form(request, cached_ballot_sheet(invitation.group_id), invitation=invitation)


@never_cache
@require_http_methods(["GET", "POST"])
def open_ballot(request, campaign: str, group: str):
    """/c/<campaign>/<group>/: an open-access ballot, limited per client, repeat voters flagged."""
    target = get_object_or_404(EvaluatorGroup.objects.only("id", "access"), campaign__slug=campaign, key=group)
    if target.access != EvaluatorGroup.Access.OPEN:
        raise Http404
    if request.method == "POST":
        client = ratelimit.client_fingerprint(request)
        if ratelimit.over_limit("open-ballots", client, settings.MINPING_OPEN_BALLOTS_LIMIT):
            return _unavailable(request, _("Too many ballots from this connection. Try again later."), 429)
    return _ballot_form(request, cached_ballot_sheet(target.id))


def _ballot_form(request, sheet, invitation=None):
    reason = campaign_refusal(sheet.campaign.id, known_open=bool(invitation and invitation.campaign_open))
    if reason:
        return _unavailable(request, reason, 409)
    if request.method == "GET":
        return render(request, "surveys/ballot.html", form_context(sheet))
    answers = answers_from_post(sheet, request.POST)
    # Open access: flag (never block) a second ballot from the same connection and browser.
    seen_scope, browser = f"open:{sheet.group.id}", ratelimit.client_fingerprint(request, with_agent=True)
    suspected = invitation is None and ratelimit.was_seen(seen_scope, browser)
    try:
        receipt = ballot_cast(sheet=sheet, answers=answers, channel=Ballot.Channel.ONLINE,
                              invitation=invitation, suspected_duplicate=suspected)
    except BallotInvalid as invalid:
        return render(request, "surveys/ballot.html", form_context(sheet, request.POST, invalid.errors), status=400)
    except InvitationUsed:
        return _unavailable(request, _("This invitation has already been used. Each invitation can be used once."), 409)
    except CampaignNotOpen as closed:
        return _unavailable(request, closed.reason, 409)
    if invitation is None:
        ratelimit.hit("open-ballots", ratelimit.client_fingerprint(request), settings.MINPING_OPEN_BALLOTS_WINDOW)
        ratelimit.mark_seen(seen_scope, browser, settings.MINPING_DUPLICATE_WINDOW)
    return render(request, "surveys/receipt.html", {"receipt": receipt, "campaign": sheet.campaign}, status=201)
