"""The campaign's status moves offered on the dashboard, each with the consequence its
confirmation page states. The moves themselves are the existing services: `campaign_set_status`
for open, close and reopen; scoring as a background job (`scoring.jobs.score_campaign`).
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from surveys.models import Campaign
from surveys.services import TRANSITIONS, campaign_open_problems

Status = Campaign.Status


@dataclass(frozen=True)
class Move:
    key: str
    label: str
    target: str | None          # the status it sets; None: scoring decides (a job)
    sources: frozenset[str]     # the statuses it starts from


MOVES = {
    "open": Move("open", _("Open the campaign"), Status.OPEN, frozenset({Status.DRAFT})),
    "close": Move("close", _("Close the campaign"), Status.CLOSED, frozenset({Status.OPEN})),
    "reopen": Move("reopen", _("Reopen the campaign"), Status.OPEN, frozenset({Status.CLOSED})),
    "score": Move("score", _("Score the campaign"), None, frozenset({Status.OPEN, Status.CLOSED, Status.SCORED})),
}

# What each move does, from each status it starts from: the confirmation page says it before the click.
CONSEQUENCES = {
    ("open", Status.DRAFT): _(
        "Once open, people can vote with their invitation codes (and the open links of open groups). The "
        "questionnaire and the groups' weighting designs are frozen: they can no longer be changed."),
    ("close", Status.OPEN): _(
        "Once closed, residents can no longer vote: unused invitation codes stop working and ballots sent "
        "after the click are refused. You can reopen the campaign until it is scored."),
    ("reopen", Status.CLOSED): _(
        "People can vote again until you close the campaign once more. The evaluation period the notices "
        "state then ends at the new closing."),
    ("score", Status.OPEN): _(
        "The campaign stays open. The scores computed now are provisional: interim results for staff, which "
        "can never be published."),
    ("score", Status.CLOSED): _(
        "Ballots not yet written out are settled, then the scores are computed and stored as a run. The "
        "campaign becomes “scored” and can no longer be reopened: no further ballot will be accepted."),
    ("score", Status.SCORED): _(
        "A new run is computed from the same ballots and stored beside the earlier ones; the latest run is "
        "the one a notice publishes."),
}


def move_get(key: str) -> Move | None:
    return MOVES.get(key)


def move_problems(move: Move, campaign: Campaign) -> list[str]:
    """Why `move` cannot be made now; empty: it can."""
    if campaign.status not in move.sources or (move.target and move.target not in TRANSITIONS[campaign.status]):
        return [str(_("A campaign that is “%(status)s” cannot be moved this way.")
                    % {"status": Status(campaign.status).label})]
    if move.target == Status.OPEN:
        return campaign_open_problems(campaign)
    return []


def move_consequence(move: Move, campaign: Campaign) -> str:
    return str(CONSEQUENCES.get((move.key, campaign.status), ""))


def moves_available(campaign: Campaign) -> list[Move]:
    """The moves the dashboard shows as buttons (the confirmation page checks them fully)."""
    return [move for move in MOVES.values() if campaign.status in move.sources]
