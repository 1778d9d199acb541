"""Errors at the edges: clear 4xx/503 answers (JSON on the API), never a crash or a stored mangling.

- the API parses JSON strictly (UTF-8 only, nesting bounded, size bounded: 413);
- Django's error handlers (wired in minping.urls) answer JSON under /api/ and elsewhere the site's
  page (header, language, large type) in the user's language;
- a refused burst is a 429 that says when to try again (Retry-After, and the time on the page);
- a database that cannot be reached is a 503 with Retry-After, not a 500.
"""
import math
import sys
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import too_large_message


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, status_code: int, message: str, *, headers: dict | None = None,
                   detail: str = "", with_database: bool = True) -> HttpResponse:
    """JSON {"detail": …} for the API, the site's error page elsewhere. `with_database=False` renders
    it without the request (no session, no signed-in name), for when the database is the problem."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=status_code, headers=headers)
    context = {"status": status_code, "title": error_title(status_code), "message": message, "detail": detail}
    html = render_to_string("error.html", context, request=request if with_database else None)
    return HttpResponse(html, status=status_code, headers=headers)


def error_title(status_code: int) -> str:
    return {
        400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"), 413: _("Too large"),
        429: _("Too many attempts"), 500: _("Server error"), 503: _("Service unavailable"),
    }.get(status_code, _("Error"))


def too_many_requests(request, *, message: str, until: datetime | None) -> HttpResponse:
    """429 with when to try again: Retry-After in seconds, and on the page the local time and minutes
    left (`until`: when the limiter's window ends; None when the limiter cannot say)."""
    if until is None:
        return error_response(request, 429, message, detail=_("Please try again later."))
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    detail = ngettext("You can try again after %(time)s, in about %(minutes)d minute.",
                      "You can try again after %(time)s, in about %(minutes)d minutes.", minutes) % {
        "time": f"{timezone.localtime(until):%H:%M}", "minutes": minutes}
    return error_response(request, 429, message, detail=detail, headers={"Retry-After": str(seconds)})


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form sent without its token, usually an old page or no cookies."""
    return error_response(request, 403, _("This form has expired or your browser refused its cookie. "
                                           "Go back, reload the page and send it again."))


def _unavailable(request) -> HttpResponse:
    return error_response(request, 503, _("The service is briefly unavailable. Please try again shortly."),
                          headers={"Retry-After": str(settings.MINPING_RETRY_AFTER)}, with_database=False)


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
    # Rendered without the request: whatever failed may have been the session's database too.
    return error_response(request, 500, _("Something went wrong on our side. Please try again later."),
                          with_database=False)
