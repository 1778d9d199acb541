"""Errors at the edges: clear 4xx/503 answers (JSON on the API), never a crash or a stored mangling.

- the API parses JSON strictly (UTF-8 only, nesting bounded, size bounded: 413);
- Django's error handlers (wired in minping.urls) answer JSON under /api/ and a short page elsewhere;
- a database that cannot be reached is a 503 with Retry-After, not a 500.
"""
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import too_large_message


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, status_code: int, message: str, *, headers: dict | None = None) -> HttpResponse:
    """JSON {"detail": …} for the API, a short stand-alone page elsewhere (no database needed)."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=status_code, headers=headers)
    html = render_to_string("error.html", {"status": status_code, "message": message})
    return HttpResponse(html, status=status_code, headers=headers)


def _unavailable(request) -> HttpResponse:
    return error_response(request, 503, _("The service is briefly unavailable. Please try again shortly."),
                          headers={"Retry-After": str(settings.MINPING_RETRY_AFTER)})


def exception_handler(exc, context):
    """DRF's handler, plus: an oversized body is 413 and an unreachable database 503, both JSON."""
    if isinstance(exc, RequestDataTooBig):
        return JsonResponse({"detail": too_large_message()}, status=413)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return _unavailable(context["request"])
    return drf_exception_handler(exc, context)


# --- Django's handlers (minping.urls: handler400, handler403, handler404, handler500) ------------

def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, too_large_message())
    return error_response(request, 400, _("The request could not be understood."))


def permission_denied(request, exception=None):
    return error_response(request, 403, _("You do not have permission to see this page."))


def page_not_found(request, exception=None):
    return error_response(request, 404, _("Not found."))


def server_error(request):
    """500, or 503 with Retry-After when the database could not be reached (the handler runs while the
    exception is being handled, so sys.exc_info() names it)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return _unavailable(request)
    return error_response(request, 500, _("Something went wrong on our side. Please try again later."))
