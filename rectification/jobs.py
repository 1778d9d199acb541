"""Publishing the 整改情况通报 as a background job (rendering and storing takes seconds)."""
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.services import job_handler
from surveys.models import Campaign

from .notice import rectification_notice_publish


@job_handler(title=gettext_lazy("Publish the rectification report of “%(campaign)s”"))
def publish_rectification_notice(job, *, campaign_id: int) -> dict:
    notice = rectification_notice_publish(campaign=Campaign.objects.get(pk=campaign_id),
                                          actor=job.created_by or "job")
    return {"message": _("Published. SHA-256: %(sha)s") % {"sha": notice.sha256},
            "url": reverse("publicity:detail", args=[notice.pk])}
