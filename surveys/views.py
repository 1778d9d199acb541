"""Ballot pages: mobile first, complete without JavaScript. Thin: the work is in surveys.ballots.

The way through a ballot: `/b/` (type the code, posted) → `/b/<code>/` (for a residence group:
where do you live, then) the form → review (in the page with JavaScript, a server page without)
→ confirm: only this spends the code → 303 to `/receipt/`, which a reload or the back button
shows again instead of posting anything twice.
"""
import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from minping.errors import too_many_requests
from minping.lib import ratelimit

from .ballot_page import answers_from_post, form_context, place_steps, review_context
from .ballots import (
    RESIDENCE,
    BallotInvalid,
    BallotSheet,
    CampaignNotOpen,
    CodeRefused,
    InvitationFound,
    InvitationUsed,
    ballot_cast,
    cached_ballot_sheet,
    invitation_gate,
    validate_answers,
)
from .codes import InvalidCode, format_code, normalize_code
from .commitments import FORM_PREFIX as COMMITMENT_FIELD
from .models import Ballot, EvaluatorGroup
from .selectors import campaign_refusal

REVIEW_SALT = "surveys.ballot-review"
REVIEW_MAX_AGE = 12 * 3600           # a review page left open over lunch still confirms
RECEIPT_COOKIE = "minping_receipt"
RECEIPT_SALT = "surveys.ballot-receipt"
RECEIPT_MAX_AGE = 24 * 3600
DISPLAY_COOKIE = "minping_display"   # "elder": the age-friendly (适老化) display, remembered for a year
DISPLAY_MAX_AGE = 365 * 86400


def _unavailable(request, message: str, status: int):
    return render(request, "surveys/ballot_unavailable.html", {"message": message}, status=status)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303   # the browser follows with a GET: nothing is posted twice
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def ballot_enter(request):
    """/b/: type the code from a printed slip. Posted, so the code never sits in a URL's query."""
    if request.method == "GET":
        return render(request, "surveys/ballot_enter.html", {"code": "", "error": ""})
    raw = request.POST.get("code", "")
    try:
        return _see_other(reverse("ballot", args=[format_code(normalize_code(raw))]))
    except InvalidCode:
        error = _("This is not a valid code. Check it and try again.")
        return render(request, "surveys/ballot_enter.html", {"code": raw, "error": error}, status=400)


# --- The ballot --------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request, code: str):
    """/b/<code>/: the ballot of an invitation."""
    # A confirmation sent again whose first answer (and its receipt cookie) never arrived passes with
    # a used code: the cast knows it by its idempotency key and answers with the same receipt.
    confirming = request.method == "POST" and request.POST.get("step") == "confirm"
    try:
        invitation, sheet = invitation_gate(request, code, allow_used=confirming)
    except CodeRefused as refused:
        if refused.status == 429:
            return too_many_requests(request, message=_("Too many wrong codes from this connection."),
                                     until=refused.until)
        if refused.used and _receipt(request, code) is not None:
            return _see_other(reverse("ballot-receipt"))   # the person who just voted: back or reload
        return _unavailable(request, refused.message, refused.status)
    return _ballot_flow(request, sheet, invitation=invitation, code=code)


@never_cache
@require_http_methods(["GET", "POST"])
def open_ballot(request, campaign: str, group: str):
    """/c/<campaign>/<group>/: an open-access ballot, limited per client, repeat voters flagged."""
    target = get_object_or_404(EvaluatorGroup.objects.only("id", "access"), campaign__slug=campaign, key=group)
    if target.access != EvaluatorGroup.Access.OPEN:
        raise Http404
    return _ballot_flow(request, cached_ballot_sheet(target.id))


def _ballot_flow(request, sheet: BallotSheet, invitation: InvitationFound | None = None, code: str | None = None):
    reason = None if invitation else campaign_refusal(sheet.campaign.id)   # the gate checked invitations'
    if reason:
        return _unavailable(request, reason, 409)
    if request.method == "GET":
        if sheet.by_residence:
            scoped = sheet.for_residence(request.GET.get(RESIDENCE))
            if scoped is None:
                return _place_picker(request, sheet, request.GET.get("place"))
            sheet = scoped
        return render(request, "surveys/ballot.html", form_context(sheet, key=_idempotency_key(None)))
    try:
        posted = _posted_fields(request)
    except signing.BadSignature:
        return _unavailable(request, _("This review has expired. Please fill in the ballot again."), 400)
    key = _idempotency_key(posted.get("idempotency_key"))
    if sheet.by_residence:
        scoped = sheet.for_residence(posted.get(RESIDENCE))
        if scoped is None:
            return _place_picker(request, sheet, None, status=400)
        sheet = scoped
    answers = answers_from_post(sheet, posted)
    step = request.POST.get("step", "review")
    if step == "edit":
        return render(request, "surveys/ballot.html", form_context(sheet, posted, key=key))
    try:
        if step != "confirm":
            validate_answers(sheet, answers)
            return render(request, "surveys/ballot_review.html",
                          review_context(sheet, posted, token=_review_token(posted, key), key=key))
        return _confirm(request, sheet, answers, invitation=invitation, code=code, key=key)
    except BallotInvalid as invalid:
        return render(request, "surveys/ballot.html", form_context(sheet, posted, invalid.errors, key=key), status=400)


def _confirm(request, sheet: BallotSheet, answers, *, invitation, code, key: str):
    """Cast the ballot (the one step that spends the code) and send the browser on to the receipt."""
    client = ratelimit.client_fingerprint(request)
    if invitation is None and ratelimit.over_limit("open-ballots", client, settings.MINPING_OPEN_BALLOTS_LIMIT):
        ends = ratelimit.window_ends("open-ballots", client)
        return too_many_requests(request, message=_("Too many ballots from this connection."),
                                 until=datetime.fromtimestamp(ends, tz=UTC) if ends else None)
    # Open access: flag (never block) a second ballot from the same connection and browser.
    seen_scope, browser = f"open:{sheet.group.id}", ratelimit.client_fingerprint(request, with_agent=True)
    suspected = invitation is None and ratelimit.was_seen(seen_scope, browser)
    try:
        receipt = _cast(sheet, answers, invitation=invitation, suspected=suspected, idempotency_key=key)
    except InvitationUsed:
        if code and _receipt(request, code) is not None:
            return _see_other(reverse("ballot-receipt"))
        return _unavailable(request, _("This invitation has already been used. Each invitation can be used once."), 409)
    except CampaignNotOpen as closed:
        return _unavailable(request, closed.reason, 409)
    if invitation is None:
        ratelimit.hit("open-ballots", client, settings.MINPING_OPEN_BALLOTS_WINDOW)
        ratelimit.mark_seen(seen_scope, browser, settings.MINPING_DUPLICATE_WINDOW)
    response = _see_other(reverse("ballot-receipt"))
    note = {"receipt": receipt, "campaign": sheet.campaign.title, "code": _code_tag(code) if code else ""}
    # The receipt lives in this browser only (a signed cookie), never in the database: nothing stored
    # links a receipt, let alone a code, to a ballot.
    response.set_cookie(RECEIPT_COOKIE, signing.dumps(note, salt=RECEIPT_SALT, compress=True),
                        max_age=RECEIPT_MAX_AGE, httponly=True, samesite="Lax", secure=request.is_secure())
    return response


def _cast(sheet: BallotSheet, answers, *, invitation, suspected: bool, idempotency_key: str) -> str:
    """The page's one call of `ballot_cast`. `idempotency_key` comes with the form (one per ballot
    form shown), so that a confirmation sent twice — a double tap, a retried request — gets its
    receipt back instead of "already used"."""
    return ballot_cast(sheet=sheet, answers=answers, channel=Ballot.Channel.ONLINE, invitation=invitation,
                       suspected_duplicate=suspected, idempotency_key=idempotency_key)


def _idempotency_key(posted) -> str:
    """The key the form carries: kept while the person edits, new for a new form."""
    if isinstance(posted, str) and 16 <= len(posted) <= 64 and posted.replace("-", "").replace("_", "").isalnum():
        return posted
    return secrets.token_urlsafe(18)


def _review_token(posted, key: str) -> str:
    """The answers of a reviewed ballot and its idempotency key, signed: the review page carries
    them, nothing is stored."""
    fields = {name: posted.getlist(name) for name in posted
              if name.startswith(("q:", "u:", COMMITMENT_FIELD)) or name == RESIDENCE}
    fields["idempotency_key"] = [key]
    return signing.dumps(fields, salt=REVIEW_SALT, compress=True)


def _posted_fields(request):
    """The ballot's fields: from the review page's signed token when it sent one, else the form."""
    token = request.POST.get("token")
    if not token:
        return request.POST
    fields = signing.loads(token, salt=REVIEW_SALT, max_age=REVIEW_MAX_AGE)
    return MultiValueDict({name: [str(v) for v in values] for name, values in fields.items() if isinstance(values, list)})


def _place_picker(request, sheet: BallotSheet, place: str | None, status: int = 200):
    """Where do you live: district → street → community, one list of links a step, no JavaScript needed."""
    steps = place_steps(sheet, place)
    return render(request, "surveys/ballot_place.html", {"sheet": sheet, **steps,
                                                        "missing": status == 400}, status=status)


# --- The receipt ----------------------------------------------------------------------------------

def _code_tag(code: str) -> str:
    """A keyed digest of the code, kept only in the voter's receipt cookie: lets this browser, and
    no other, be shown its receipt again when it comes back to the used code."""
    try:
        normalized = normalize_code(code)
    except InvalidCode:
        return ""
    return salted_hmac("surveys.receipt-code", normalized).hexdigest()[:24]


def _receipt(request, code: str | None = None) -> dict | None:
    """This browser's receipt (of `code`, when given), or None."""
    try:
        note = signing.loads(request.COOKIES[RECEIPT_COOKIE], salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    if not isinstance(note, dict) or (code is not None and note.get("code") != _code_tag(code)):
        return None
    return note


@never_cache
@require_http_methods(["GET"])
def ballot_receipt(request):
    """/receipt/: the receipt after a ballot, as often as the page is reloaded."""
    note = _receipt(request)
    return render(request, "surveys/receipt.html", {"note": note}, status=200 if note else 404)


# --- Display: the age-friendly mode -------------------------------------------------------------

@require_POST
def display_mode(request):
    """/display/: switch the age-friendly display (larger text and tap targets) on or off."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = _see_other(target)
    if request.POST.get("mode") == "elder":
        response.set_cookie(DISPLAY_COOKIE, "elder", max_age=DISPLAY_MAX_AGE, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(DISPLAY_COOKIE, samesite="Lax")
    return response
