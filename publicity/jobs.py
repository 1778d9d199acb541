"""Publishing a notice as a background job: render the PDF, store, hash and chain it."""
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.services import job_handler
from surveys.models import Campaign

from . import services


@job_handler(title=gettext_lazy("Publish the %(kind)s of “%(campaign)s”"))
def publish_notice(job, *, campaign_id: int, kind: str, title: str, body: str) -> dict:
    notice = services.notice_publish(campaign=Campaign.objects.get(pk=campaign_id), kind=kind,
                                     actor=job.created_by or "job", title=title, body=body)
    return {"message": _("Published. SHA-256: %(sha)s") % {"sha": notice.sha256},
            "url": reverse("publicity:detail", args=[notice.pk])}
