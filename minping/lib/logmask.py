"""Invitation codes must never reach a log: masking for log records, finished log lines and gunicorn.

A code can reach a log line as a path (`/b/<code>/`, `/api/v1/ballots/<code>/`), as a query
parameter (`?code=…`, e.g. a typed code sent by GET), inside a Referer header (a later request from
the ballot page), or on its own in a message. All four are masked wherever they appear in the line.
"""
import logging
import re

_MASK = "****"
# /b/<code>/ and /api/v1/ballots/<code>/ — whatever the code looks like (typos included).
_CODE_IN_PATH = re.compile(r"(/b/|/api/v1/ballots/)[^/\s?#\"']+")
# ?code=… / &code=… (any case, percent-encoded or not), up to the next parameter.
_CODE_IN_QUERY = re.compile(r"([?&](?:code|invitation|invitation_code)=)[^&#\s\"']*", re.IGNORECASE)
# A code as printed or typed on its own: five groups of four, with or without dashes or spaces.
_BARE_CODE = re.compile(r"\b[0-9A-Za-z]{4}(?:[- ][0-9A-Za-z]{4}){4}\b|\b[0-9A-Za-z]{20}\b")


def mask_codes(text: str) -> str:
    text = _CODE_IN_PATH.sub(r"\1" + _MASK, text)
    text = _CODE_IN_QUERY.sub(r"\1" + _MASK, text)
    return _BARE_CODE.sub(_MASK, text)


class MaskInvitationCodes(logging.Filter):
    """Rewrites the record's message with codes masked (applied on handlers, so for every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_codes(message)
        if masked != message:
            record.msg, record.args = masked, None
        for attribute in ("request_line", "path"):
            if isinstance(getattr(record, attribute, None), str):
                setattr(record, attribute, mask_codes(getattr(record, attribute)))
        return True


class MaskingFormatter(logging.Formatter):
    """Masks codes in the finished line, tracebacks and extra fields included; wraps `inner` if given."""

    def __init__(self, *args, inner: logging.Formatter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return mask_codes(self.inner.format(record) if self.inner else super().format(record))
