"""Reads on the collection side that more than one page needs."""
from .models import EvaluatorGroup, Invitation, SpentTag


def invitation_turnout(*, group: EvaluatorGroup) -> tuple[int, int]:
    """(invitations used, invitations issued) of `group`: used ones are counted by their spent tags,
    since no invitation row records its own use."""
    return SpentTag.objects.filter(group=group).count(), Invitation.objects.filter(group=group).count()
