"""The second factor, enforced on every page: a signed-in person who owes a one-time code (see
selectors.second_factor_due) reaches only the sign-in pages until they give it."""
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from minping.errors import error_response

from .selectors import second_factor_due

# What a half-signed-in person may still reach: the code pages, signing out, the switches, files.
OPEN_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/totp/", "/i18n/", "/display/", "/static/",
                 "/healthz")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OPEN_PREFIXES) or not second_factor_due(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return error_response(request, 403, _("Give the code of your authenticator app first."))
        target = reverse("accounts:totp-verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
