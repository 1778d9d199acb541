"""Cases follow publication: when a publicity notice is published, the run it printed opens the cases
its results call for, in the same transaction (publicity knows nothing of this app; it only signals)."""
from django.dispatch import receiver

from publicity.models import Notice
from publicity.signals import notice_published

from .services import cases_open_from_run


@receiver(notice_published, dispatch_uid="rectification.cases_from_publicity")
def open_cases_on_publicity(sender, *, notice: Notice, actor, **kwargs) -> None:
    if notice.kind == Notice.Kind.PUBLICITY:
        cases_open_from_run(run=notice.run, actor=actor, today=notice.issued_on)
