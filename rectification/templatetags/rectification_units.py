"""Rectification's part of pages other apps own: a unit's cases on its contact's page.

The contact's page lives in `scoring`, which must not read `rectification` (data flows one way);
the page pulls this section in through the template, as it does publicity's objections.
"""
from django import template

from rectification.selectors import cases_filtered

register = template.Library()


@register.inclusion_tag("rectification/_unit_cases.html")
def unit_cases(campaign, unit) -> dict:
    return {"cases": list(cases_filtered(campaign=campaign.slug, unit=unit.code)), "unit": unit}
