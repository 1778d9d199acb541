"""Invitation codes must never reach a log: a logging filter that masks them in ballot URLs."""
import logging
import re

# /b/<code>/ and /api/v1/ballots/<code>/ — whatever the code looks like (typos included).
_CODE_IN_PATH = re.compile(r"(/b/|/api/v1/ballots/)[^/\s?\"']+")


def mask_codes(text: str) -> str:
    return _CODE_IN_PATH.sub(r"\1****", text)


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
