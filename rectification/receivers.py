"""Cases follow publication: when a publicity notice is published, the run it printed opens the cases
its results call for, in the same transaction (publicity knows nothing of this app; it only signals)."""
import logging

from django.dispatch import receiver

from publicity.models import Notice
from publicity.signals import notice_published

from .services import CaseRefused, cases_open_from_run

logger = logging.getLogger(__name__)


@receiver(notice_published, dispatch_uid="rectification.cases_from_publicity")
def open_cases_on_publicity(sender, *, notice: Notice, actor, **kwargs) -> None:
    if notice.kind != Notice.Kind.PUBLICITY:
        return
    try:
        cases_open_from_run(run=notice.run, actor=actor, today=notice.issued_on)
    except CaseRefused as refused:
        # A deadline the calendar cannot count (a year it does not know) must not stop a publication
        # (which may give its own period with --deadline); the cases are opened later by the command.
        logger.warning("No rectification cases opened for %s: %s Run manage.py open_cases %s when it can.",
                       notice.campaign.slug, refused, notice.campaign.slug)
