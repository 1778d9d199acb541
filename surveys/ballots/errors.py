"""What goes wrong with a ballot, as the page, the API and the paper import report it.

Kept apart from the stages so that each of them (the sheet, validation, casting) can raise these
without importing another stage.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class BallotError:
    question: str | None
    unit: str | None
    message: str

    def as_dict(self) -> dict:
        return {"question": _printable(self.question), "unit": _printable(self.unit), "message": _printable(self.message)}


def _printable(text):
    """Text as it can go out in UTF-8: a JSON body may carry unpaired surrogates (\\ud800), which an
    error message echoes back; they are shown escaped instead of failing the response."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) else text


class BallotInvalid(Exception):
    def __init__(self, errors: list[BallotError]):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class InvitationNotFound(Exception):
    """Unknown or malformed code: deliberately one error for both."""


class InvitationUsed(Exception):
    pass


class CampaignNotOpen(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)
