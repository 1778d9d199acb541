"""Sign-in for everyone with an account (Django's auth views in the site's style), the start page
that sends each role to its own pages, and the TOTP second factor. Thin: logic is in services and
selectors; the second factor is enforced by accounts.middleware."""
from base64 import b32encode

import segno
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login

from surveys.models import UnitContact
from surveys.roles import require_evaluation_staff

from . import selectors, services
from .forms import ContactPasswordForm, TokenForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-done")

    def form_valid(self, form):
        services.user_password_change(user=self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


@login_required
@require_GET
def start(request):
    """/accounts/start/: staff to the staff pages, unit contacts to their units, others told why not."""
    destination = selectors.start_url(request.user)
    if destination:
        return redirect(destination)
    return render(request, "accounts/no_role.html")


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return default


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    """/accounts/totp/: staff add an authenticator app (a QR code to scan, then one code to confirm).
    Open to everyone the requirement covers (admin accounts too), or they could never comply."""
    if not selectors.is_staff_member(request.user):
        raise PermissionDenied
    if any(devices_for_user(request.user, confirmed=True)):
        return render(request, "accounts/totp_enrolled.html")
    device = services.totp_device_begin(user=request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("Your authenticator app is set up: sign-ins now ask for its code."))
            return redirect("accounts:start")
        form.add_error("token", _("This code is not right. Check the clock of your phone and try the current code."))
    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/totp_enrol.html", {
        "form": form, "qr": qr.svg_data_uri(scale=5, dark="#000", light="#fff"),
        "secret": _grouped(device),
    }, status=400 if form.errors else 200)


def _grouped(device) -> str:
    """The secret in base32 by groups of four, for typing it in instead of scanning."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request):
    """/accounts/totp/verify/: the second step of a sign-in, for whoever has an authenticator."""
    if not selectors.second_factor_due(request.user):
        return redirect(_next_url(request, reverse("accounts:start")))
    if not any(devices_for_user(request.user, confirmed=True)):
        return redirect("accounts:totp")   # staff who must have one set it up first
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.totp_token_check(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request, reverse("accounts:start")))
        form.add_error("token", _("This code is not right. Try the code your app shows now."))
    return render(request, "accounts/totp_verify.html", {"form": form, "next": _next_url(request, "")},
                  status=400 if form.errors else 200)


def contact_password(request, pk: int):
    """The admin's "reset password" of a unit contact (wrapped by admin_view in surveys.admin)."""
    require_evaluation_staff(request.user)
    contact = get_object_or_404(UnitContact.objects.select_related("user", "unit"), pk=pk)
    form = ContactPasswordForm(contact.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_password_reset(actor=request.user, contact=contact,
                                            password=form.cleaned_data["new_password1"])
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, _("The password of %(user)s has been reset.") % {"user": contact.user})
            return redirect("admin:surveys_unitcontact_change", contact.pk)
    return render(request, "admin/accounts/contact_password.html", {
        **admin.site.each_context(request), "form": form, "contact": contact, "title": _("Reset the password of %(user)s") % {"user": contact.user},
        "opts": UnitContact._meta, "has_view_permission": True,
    })
