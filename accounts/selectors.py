"""Reads about a signed-in person: where they start, whether they owe a second factor."""
from django.conf import settings
from django.urls import reverse
from django_otp import user_has_device

from scoring.selectors import contact_unit_ids
from surveys.roles import is_evaluation_staff


def start_url(user) -> str | None:
    """Where a signed-in person starts: staff on the staff pages, unit contacts on their units;
    None for an account without a role."""
    if is_evaluation_staff(user):
        return reverse("staff:home")
    if contact_unit_ids(user):
        return reverse("scoring:index")
    return None


def is_staff_member(user) -> bool:
    """Anyone who can reach staff data: the admin (is_staff) or the evaluation-staff pages."""
    return user.is_authenticated and (user.is_staff or is_evaluation_staff(user))


def second_factor_due(user) -> bool:
    """A signed-in person who must still give a one-time code: they have a confirmed authenticator,
    or they are staff and the settings require one (production). Verified sessions owe nothing."""
    if not user.is_authenticated or user.is_verified():
        return False
    if user_has_device(user, confirmed=True):
        return True
    return settings.MINPING_STAFF_TOTP_REQUIRED and is_staff_member(user)
