"""Sign-ins for staff and unit contacts: throttled by django-axes (settings), recorded here.

Every sign-in, failed sign-in and lock-out is an AuditEvent, with the address it came from (staff
are accountable; voters never sign in, so no voter's address is ever recorded).
"""
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from minping.errors import too_many_requests
from minping.lib.ratelimit import client_address

from .models import AuditEvent

SIGNED_IN, SIGN_IN_FAILED, LOCKED_OUT = "auth.signed_in", "auth.sign_in_failed", "auth.locked_out"


def _record(*, action: str, username: str, request, user=None) -> None:
    """One audit event about an account, named by the user name that was typed (it may not exist)."""
    if user is None:
        user = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        AuditEvent.objects.create(
            actor=user, actor_label=(username or "?")[:150], action=action, object_type="auth.user",
            object_id=str(user.pk) if user else "", object_repr=(username or "?")[:200],
            data={"address": client_address(request) if request is not None else ""},
        )


@receiver(user_logged_in, dispatch_uid="audit-signed-in")
def audit_signed_in(sender, request, user, **kwargs):
    _record(action=SIGNED_IN, username=user.get_username(), request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    _record(action=SIGN_IN_FAILED, username=credentials.get("username", ""), request=request)


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    _record(action=LOCKED_OUT, username=username or "", request=request)


def locked_out_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: 429 and when to try again (at the latest: the
    lock-out's length from now), in the user's language."""
    return too_many_requests(
        request, until=timezone.now() + settings.AXES_COOLOFF_TIME,
        message=_("Too many failed sign-ins for this account or from this address. "
                  "Wait, or ask an administrator to unlock it."))
