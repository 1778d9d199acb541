"""Display helpers: rounding happens here, on the page, never in the stored data."""
from django import template

register = template.Library()


@register.filter
def percent(value, digits=1):
    return "—" if value is None else f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def score(value, digits=1):
    return "—" if value is None else f"{float(value):.{int(digits)}f}"


@register.filter
def signed(value, digits=1):
    return "—" if value is None else f"{float(value):+.{int(digits)}f}"
