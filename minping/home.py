"""The home page: what a member of the public can do here now. Reads only."""
from dataclasses import dataclass

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from publicity.models import Notice
from publicity.selectors import notice_accepts_objections, notices_published
from surveys.models import Campaign, EvaluatorGroup

RECENT_NOTICES = 5
# Campaigns whose results are public: their commitments pages are worth a link.
PUBLISHED = (Campaign.Status.PUBLICIZED, Campaign.Status.FINAL)


@dataclass(frozen=True)
class OpenCampaign:
    campaign: Campaign
    open_groups: list[EvaluatorGroup]   # groups anyone may rate through a link (no invitation code)


def campaigns_open() -> list[OpenCampaign]:
    campaigns = Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("-year", "title")
    return [OpenCampaign(c, list(c.groups.filter(access=EvaluatorGroup.Access.OPEN).order_by("name")))
            for c in campaigns.prefetch_related("groups")]


def notices_taking_objections(notices) -> list[Notice]:
    now = timezone.now()
    return [n for n in notices if notice_accepts_objections(n, now=now)]


@require_GET
def home(request):
    notices = list(notices_published()[:RECENT_NOTICES])
    objection_notices = notices_taking_objections(
        notices_published().filter(kind=Notice.Kind.PUBLICITY, campaign__status=Campaign.Status.PUBLICIZED))
    published_campaigns = Campaign.objects.filter(status__in=PUBLISHED).order_by("-year", "title")
    return render(request, "home.html", {
        "open_campaigns": campaigns_open(), "notices": notices, "objection_notices": objection_notices,
        "published_campaigns": published_campaigns,
    })
