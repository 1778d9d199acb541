"""What publishing tells the apps that follow up on it (the chain runs one way: publicity imports none
of them; they listen)."""
from dataclasses import dataclass

from django.dispatch import Signal

# Sent inside the publishing transaction, once the notice is stored and its campaign moved on, with
# `notice` and `actor`: a receiver's writes commit or roll back with the notice.
notice_published = Signal()


@dataclass(frozen=True)
class FollowUp:
    """A line under an objection's status: what followed from it (`link` an address to act on)."""
    label: str
    text: str
    link: str = ""
    link_text: str = ""


# Sent when someone looks up their objection by its confirmation number, with `objection`: each
# receiver returns a list of `FollowUp` lines (or none), shown under the objection's status. So the
# objector learns that it was upheld and what became of it, though publicity knows nothing of it.
objection_looked_up = Signal()
