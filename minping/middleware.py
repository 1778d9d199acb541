"""Site-wide request/response rules that no single view owns."""
from urllib.parse import parse_qsl

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .errors import error_response

_FORM = "application/x-www-form-urlencoded"


class NoStoreBallotsMiddleware:
    """Ballot pages and the ballot API answer `Cache-Control: no-store`: a ballot (or the code in its
    URL) must not stay in a browser's history cache or a shared proxy. Matched by URL, so every ballot
    view is covered whoever writes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.MINPING_NO_STORE_PREFIXES):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private, max-age=0
        return response


class RefuseInvalidUtf8Middleware:
    """A form body that is not valid text in its encoding is refused (400) before any view reads it.

    Django decodes form fields with errors="replace", so invalid bytes would otherwise be stored as
    U+FFFD without anyone noticing. (JSON bodies are checked by the API's parser.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == _FORM and not _decodes(request):
            return error_response(request, 400, _("The form data is not valid UTF-8 text; nothing was stored."))
        return self.get_response(request)


def _decodes(request) -> bool:
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:
        # Raw bytes (a browser percent-encodes everything, a script may not), then each decoded field.
        text = request.body.decode(encoding)
        parse_qsl(text, keep_blank_values=True, encoding=encoding, errors="strict",
                  max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except (UnicodeDecodeError, LookupError):
        return False
    except ValueError:  # too many fields: Django's own parser refuses those with its 400
        return True
    return True
