"""Display helpers: rounding happens here, on the page, never in the stored data."""
import base64

from django import template
from django.utils.translation import gettext as _

from scoring.results import UnitResult

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


@register.filter
def group_name(key: str, names: dict) -> str:
    """An evaluator group's name for its key (results keep keys; people read names)."""
    return names.get(key, key)


@register.filter
def grade_label(entry: UnitResult | None) -> str:
    """A unit's grade, marked borderline when its confidence interval spans another band."""
    if entry is None or not entry.grade:
        return "—"
    if entry.borderline:
        return _("%(grade)s (borderline: %(low)s to %(high)s)") % {
            "grade": entry.grade, "low": entry.grade_low, "high": entry.grade_high}
    return entry.grade


@register.filter
def svg_data_url(svg: str) -> str:
    """A server-drawn chart as an image address: shown with `<img alt=…>`, its labels are no part of
    the page's text (a screen reader reads the alt text and the table beside it)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
