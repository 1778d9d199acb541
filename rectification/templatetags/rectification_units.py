"""Rectification's part of pages other apps own: a unit's cases on its contact's page, and beside
each campaign of its trend (so that a change of score can be read against the cases it had).

The contact's page lives in `scoring`, which must not read `rectification` (data flows one way);
the page pulls this section in through the template, as it does publicity's objections.
"""
from django import template

from rectification.models import RectificationCase
from rectification.selectors import cases_filtered

CLOSED_STATUSES = (RectificationCase.Status.DONE, RectificationCase.Status.VERIFIED)

register = template.Library()


@register.inclusion_tag("rectification/_unit_cases.html")
def unit_cases(campaign, unit) -> dict:
    return {"cases": list(cases_filtered(campaign=campaign.slug, unit=unit.code)), "unit": unit}


@register.inclusion_tag("rectification/_unit_cases_summary.html")
def unit_cases_summary(campaign, unit) -> dict:
    cases = cases_filtered(campaign=campaign.slug, unit=unit.code)
    return {"count": cases.count(), "done": cases.filter(status__in=CLOSED_STATUSES).count(),
            "campaign": campaign, "unit": unit}
