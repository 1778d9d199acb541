"""What publishing tells the apps that follow up on it (the chain runs one way: publicity imports none
of them; they listen)."""
from django.dispatch import Signal

# Sent inside the publishing transaction, once the notice is stored and its campaign moved on, with
# `notice` and `actor`: a receiver's writes commit or roll back with the notice.
notice_published = Signal()
