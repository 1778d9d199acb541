"""The API's JSON parser: DRF's, with limits (imported by DRF's settings, so it imports little)."""
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# A ballot is 4 levels deep ({"answers": [{"value": [...]}]}); anything much deeper is not a ballot.
MAX_JSON_DEPTH = 20


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def too_large_message() -> str:
    return _("The request body is larger than %(limit)d bytes.") % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with limits: the body's size (413), strict UTF-8, nesting depth (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit
        if stream is None:
            raw = b""
        else:
            raw = stream.read() if limit is None else stream.read(limit + 1)  # one byte more tells "too large"
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge(too_large_message())
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid UTF-8.")) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        except ValueError as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise ParseError(_("The JSON is nested too deeply."))
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
