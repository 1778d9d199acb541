"""The notice's commitments section (templates/publicity/_commitments.html): its rows from the run's
result as the notice attaches it, so that the printed section and results.json never disagree."""
import json

from django import template

from scoring.compute import published
from scoring.results import RunResult

register = template.Library()


@register.filter
def commitment_rows(results_json: str) -> list[dict]:
    """[{"unit", "text", "target", "score", "ci", "n", "suppressed"}] in the result's order, numbers as printed."""
    if not results_json:
        return []
    result = RunResult.from_json(json.loads(results_json))
    names = {u.code: u.name for u in result.units}
    rows = []
    for c in result.commitments or ():
        low, high = published(c.ci_low), published(c.ci_high)
        rows.append({"unit": names.get(c.unit, c.unit), "text": c.text, "n": c.n,
                     "suppressed": c.suppressed or c.score is None, "score": _fmt(published(c.score)),
                     "ci": f"{_fmt(low)}–{_fmt(high)}"})
    return rows


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.1f}"
