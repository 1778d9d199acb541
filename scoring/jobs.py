"""Scoring as a background job: settle the campaign's pending ballots, then compute and store a run."""
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import Job
from jobs.services import job_enqueue, job_handler, job_stage
from surveys.ballots import ballots_settle
from surveys.models import Campaign

from .services import PROCESS, score_run_create


def _settle(job, *, campaign_id: int) -> None:
    # Batch by batch, each in its own transaction, before the run's one transaction.
    job_stage(job, _("Writing out ballots cast since the last settling"))
    ballots_settle(campaign_id=campaign_id)
    job_stage(job, _("Computing the scores"))


@job_handler(title=gettext_lazy("Score the campaign “%(campaign)s”"), before=_settle)
def score_campaign(job, *, campaign_id: int) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    run = score_run_create(campaign=campaign, actor=job.created_by or PROCESS)
    return {"message": _("Run %(n)d stored.") % {"n": run.number},
            "url": reverse("scoring:campaign", args=[campaign.slug])}


def score_campaign_start(*, campaign: Campaign, actor) -> Job:
    """Start scoring `campaign` in the background (its page follows the job): the one way pages do it."""
    return job_enqueue(handler=score_campaign, params={"campaign_id": campaign.pk}, actor=actor,
                       title_args={"campaign": campaign.title})
