"""The 整改情况通报: a notice of its own kind, printed here and published through the one notice chain
(`publicity.services.notice_append`: same PDF/A, same chain, same verification)."""
import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minping.pdf import local_only_fetcher, pdfa_finisher, render_pdf
from publicity.document import BEIJING, zh_date
from publicity.models import Notice
from publicity.services import Draft, PublishRefused, notice_append
from surveys.models import Campaign

from .models import RectificationCase
from .selectors import campaign_rates

KIND = Notice.Kind.RECTIFICATION


def _percent(rate) -> str:
    return "—" if rate.value is None else f"{100 * rate.value:.1f}%"


def notice_context(*, campaign: Campaign, issued_on: dt.date, previous_sha256: str, document_number: str) -> dict:
    """What the 通报 prints: cases by unit with status and dates, the rates with n, the return visits."""
    cases = list(RectificationCase.objects.filter(campaign=campaign).select_related("unit")
                 .prefetch_related("visits").order_by("unit__kind", "unit__code", "opened_on", "id"))
    rates = campaign_rates(campaign, today=issued_on)
    rows = [{"unit": c.unit.name, "code": c.unit.code, "source": c.get_source_display(), "problem": c.problem,
             "status": c.get_status_display(), "opened_on": c.opened_on, "due_on": c.due_on,
             "completed_on": c.completed_on, "late": c.completed_on is not None and c.completed_on > c.due_on,
             "visits": [v.grade for v in c.visits.all()]} for c in cases]
    return {"title": f"关于{campaign.title}整改情况的通报", "campaign_title": campaign.title,
            "issuing_organ": settings.MINPING_ISSUING_ORGAN, "document_number": document_number,
            "issued_on": issued_on, "issued_on_zh": zh_date(issued_on), "previous_sha256": previous_sha256,
            "rows": rows, "count": len(rows),
            "completed": rates.completed, "completed_text": _percent(rates.completed),
            "on_time": rates.on_time, "on_time_text": _percent(rates.on_time),
            "visits": rates.visits_satisfied, "visits_text": _percent(rates.visits_satisfied),
            "overdue": rates.overdue}


def cases_json(campaign: Campaign) -> str:
    """The cases as attached to the PDF (public fields only)."""
    cases = RectificationCase.objects.filter(campaign=campaign).select_related("unit").order_by("id")
    return json.dumps([{"id": c.pk, "unit": c.unit.code, "source": c.source, "status": c.status,
                        "opened_on": c.opened_on.isoformat(), "due_on": c.due_on.isoformat(),
                        "completed_on": c.completed_on.isoformat() if c.completed_on else None,
                        "closed_on": c.closed_on.isoformat() if c.closed_on else None} for c in cases],
                      ensure_ascii=False, indent=1)


def notice_html(context: dict) -> str:
    with translation.override("zh-hans"):
        return render_to_string("rectification/notice.html", {"n": context})


def notice_pdf(context: dict, campaign: Campaign) -> bytes:
    """Tagged PDF/A-3a, fonts embedded, the cases attached as cases.json (like the results notices)."""
    from weasyprint import Attachment

    day = context["issued_on"]
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    attachment = Attachment(string=cases_json(campaign), name="cases.json", url_fetcher=local_only_fetcher(),
                            description="整改事项", created=stamp, modified=stamp, relationship="Data")
    return render_pdf(notice_html(context), pdf_variant="pdf/a-3a", attachments=[attachment], custom_metadata=True,
                      finisher=pdfa_finisher(stamp))


def publish_problems(campaign: Campaign) -> list[str]:
    if campaign.status not in (Campaign.Status.PUBLICIZED, Campaign.Status.FINAL):
        return [_("Campaign “%(slug)s” has no published results yet: the rectification report follows them.")
                % {"slug": campaign.slug}]
    if campaign.notices.filter(kind=KIND).exists():
        return [_("The rectification report of campaign “%(slug)s” has already been published.")
                % {"slug": campaign.slug}]
    if not campaign.rectification_cases.exists():
        return [_("Campaign “%(slug)s” has no rectification cases to report.") % {"slug": campaign.slug}]
    return []


@transaction.atomic
def rectification_notice_publish(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> Notice:
    """Publish the campaign's 整改情况通报 (once), on the run its results notice printed."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    problems = publish_problems(locked)
    if problems:
        raise PublishRefused(problems)
    run = locked.notices.filter(kind__in=Notice.RESULT_KINDS).order_by("-sequence").first().run

    def render(*, issued_on: dt.date, previous_sha256: str, document_number: str) -> Draft:
        with translation.override("zh-hans"):   # an official document: the same words for every reader
            context = notice_context(campaign=locked, issued_on=issued_on, previous_sha256=previous_sha256,
                                     document_number=document_number)
        return Draft(pdf=notice_pdf(context, locked), title=context["title"],
                     body=f"{context['count']} 项整改事项", run=run)

    return notice_append(campaign=locked, kind=KIND, render=render, actor=actor, now=now or timezone.now())
