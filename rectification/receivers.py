"""Cases follow publication: when a publicity notice is published, the run it printed opens the cases
its results call for, in the same transaction; and whoever looks up an upheld objection learns of its
case and, once the unit reports it done, where to rate the fix (publicity knows nothing of this app;
it only signals)."""
import logging

from django.dispatch import receiver
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from publicity.models import Notice, Objection
from publicity.signals import FollowUp, notice_published, objection_looked_up

from .selectors import case_of_objection, objection_has_rated
from .services import RATEABLE, CaseRefused, cases_open_from_run

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


@receiver(objection_looked_up, dispatch_uid="rectification.objection_follow_up")
def objection_follow_up(sender, *, objection: Objection, **kwargs) -> list[FollowUp]:
    case = case_of_objection(objection)
    if case is None:
        return []
    lines = [FollowUp(_("Rectification"), _("Upheld: %(unit)s is to put it right by %(due)s. Status: %(status)s.") % {
        "unit": case.unit.name, "due": date_format(case.due_on, "DATE_FORMAT"), "status": case.get_status_display()})]
    if objection_has_rated(objection):
        lines.append(FollowUp(_("Your rating"), _("You have rated the rectification. Thank you.")))
    elif case.status in RATEABLE:
        lines.append(FollowUp(_("Your rating"), _("The unit reports it done: rate the rectification with this "
                                                  "confirmation number."),
                              reverse("rectification:visit"), _("Rate the rectification")))
    return lines
