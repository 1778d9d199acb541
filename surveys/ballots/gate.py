"""The gate in front of a ballot by invitation code: one for the ballot page and the ballot API.

A request with a code passes the fair limit on guessing, the code lookup, the code's use and its
campaign taking ballots now, in that order, or is refused with what to tell the person and the
HTTP status; the page renders a refusal, the API answers it as JSON.
"""
from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from minping.lib import ratelimit

from ..codes import InvalidCode, normalize_code
from ..selectors import campaign_refusal
from .errors import InvitationNotFound
from .invitations import InvitationFound, invitation_for_code
from .sheet import BallotSheet, cached_ballot_sheet


class CodeRefused(Exception):
    """A code that opens no ballot now: what to tell the person, the status, until when (when
    limited), and whether it is because the code was used."""

    def __init__(self, message: str, status: int, until: datetime | None = None, used: bool = False):
        self.message, self.status, self.until, self.used = message, status, until, used
        super().__init__(message)


def invitation_gate(request, code: str, *, allow_used: bool = False) -> tuple[InvitationFound, BallotSheet]:
    """The invitation of a typed or scanned code and its group's sheet; CodeRefused if it opens no
    ballot now. With `allow_used` (a confirmation or a POST with an idempotency key) a used code
    passes on to the cast, which knows whether this is a repeat of the ballot that used it.

    The fair limit (README, *Limits*): a mistyped code fails its check character and is refused
    without counting — it cannot be anybody's code, so a community centre's Wi-Fi full of people
    typing from slips is not locked out by their typos. Only well-formed codes that match no
    invitation count towards the client's limit; a guesser can only ever send those.
    """
    invitation = _invitation(request, code)
    if invitation.used:
        if not allow_used:
            raise CodeRefused(_("This invitation has already been used. Each invitation can be used once."), 409,
                              used=True)
        return invitation, cached_ballot_sheet(invitation.group_id)
    sheet = cached_ballot_sheet(invitation.group_id)
    reason = campaign_refusal(sheet.campaign.id, known_open=invitation.campaign_open)
    if reason:
        raise CodeRefused(reason, 409)
    return invitation, sheet


def _invitation(request, code: str) -> InvitationFound:
    """The invitation of `code`, counting a well-formed unknown code against the client's limit."""
    try:
        normalized = normalize_code(code)
    except InvalidCode:
        raise _not_valid() from None
    client = ratelimit.client_fingerprint(request)
    if ratelimit.over_limit("code-failures", client, settings.MINPING_CODE_FAILURES_LIMIT):
        ends = ratelimit.window_ends("code-failures", client)
        until = timezone.localtime(datetime.fromtimestamp(ends, tz=UTC)) if ends else None
        message = (_("Too many wrong codes from this connection. Try again after %(time)s.")
                   % {"time": f"{until:%H:%M}"} if until else
                   _("Too many wrong codes from this connection. Try again later."))
        raise CodeRefused(message, 429, until)
    try:
        return invitation_for_code(normalized)
    except InvitationNotFound:
        ratelimit.hit("code-failures", client, settings.MINPING_CODE_FAILURES_WINDOW)
        raise _not_valid() from None


def _not_valid() -> CodeRefused:
    return CodeRefused(_("This code is not valid. Check it against your invitation."), 404)
