"""Account changes: passwords and the TOTP second factor, each audited in its own transaction."""
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from surveys.audit import audit_record

from .selectors import is_staff_member

PASSWORD_CHANGED, PASSWORD_RESET = "auth.password_changed", "auth.password_reset"
TOTP_ENROLLED, TOTP_FAILED = "auth.totp_enrolled", "auth.totp_failed"
TOTP_DEVICE_NAME = "totp"


@transaction.atomic
def user_password_change(*, user, password: str) -> None:
    """A person sets their own new password (the form has checked the old one)."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=PASSWORD_CHANGED, obj=user)


@transaction.atomic
def contact_password_reset(*, actor, contact, password: str) -> None:
    """Evaluation staff give a unit contact a new password. Never a staff account's: that would let
    one member of staff take over another's (or a superuser's) rights."""
    user = contact.user
    if is_staff_member(user) or user.is_superuser:
        raise ValidationError(_("Only a unit contact's password can be reset here; this account belongs to staff."))
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=PASSWORD_RESET, obj=user, data={"unit": contact.unit.code})


@transaction.atomic
def totp_device_begin(*, user) -> TOTPDevice:
    """The authenticator being enrolled: an unconfirmed device with a fresh secret, kept until confirmed
    (reloading the enrolment page shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm the enrolment with a code the authenticator shows now; False when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action=TOTP_ENROLLED, obj=user)
    return True


def totp_token_check(*, user, token: str) -> Device | None:
    """The second step of a sign-in: the authenticator that shows `token` now, or None — and then
    the wrong code is audited (a run of them is somebody who has the password but not the phone)."""
    device = match_token(user, token)   # each device saves its own throttling and last-used step
    if device is None:
        with transaction.atomic():
            audit_record(actor=user, action=TOTP_FAILED, obj=user)
    return device
