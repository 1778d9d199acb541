"""Publicity's part of pages other apps own: the objections about a unit on its contact's page.

The contact's page lives in `scoring`, which must not read `publicity` (data flows one way); the
page pulls this section in through the template instead.
"""
from django import template

from publicity.results import unit_objections as objections_about

register = template.Library()


@register.inclusion_tag("publicity/_unit_objections.html")
def unit_objections(campaign, unit) -> dict:
    return {"objections": list(objections_about(campaign=campaign, unit=unit).select_related("notice"))}
