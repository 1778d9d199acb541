"""The notice's commitments section (templates/publicity/_commitments.html): its rows from the run's
result as the notice attaches it, so that the printed section and results.json never disagree."""
import json

from django import template

from scoring.compute import published

register = template.Library()


@register.filter
def commitment_rows(results_json: str) -> list[dict]:
    """[{"unit", "text", "target", "score", "ci", "n", "suppressed"}] in the result's order, numbers as printed."""
    result = json.loads(results_json or "{}")
    names = {u["code"]: u["name"] for u in result.get("units", [])}
    rows = []
    for c in result.get("commitments", []):
        low, high = (published(x) for x in c["ci"])
        rows.append({"unit": names.get(c["unit"], c["unit"]), "text": c["text"], "n": c["n"],
                     "suppressed": c["suppressed"] or c["score"] is None, "score": _fmt(published(c["score"])),
                     "ci": f"{_fmt(low)}–{_fmt(high)}"})
    return rows


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.1f}"
