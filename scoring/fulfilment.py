"""Commitment fulfilment (兑现情况): each approved commitment's score, scored like a unit.

A 兑现情况 answer is a grade on the campaign's scale; a commitment's domain in a group is the ballots
that graded it ("don't know" is not a grade). Its per-group estimate is the domain mean under the
group's own design (strata, fpc, calibration: `scoring.compute.group_result` on the same cells), and
its score the composite over the groups rating its unit with the campaign's group weights — the
same statistics as a unit's score. The run's result lists them under "commitments":
[{"id", "unit", "text", "score", "ci": [lo, hi], "se", "n", "suppressed"}] (suppressed: a group
rating the unit has fewer than the minimum ballots for the commitment, as for units).
"""
import numpy as np
from django.db.models import Count, F, Q, Sum
from django.db.models.fields.json import KeyTextTransform

from scoring.stats import composite_many
from surveys.models import Answer, Campaign, Commitment

from .compute import _num, group_result
from .selectors import GroupSums


def commitment_parameters(campaign: Campaign) -> list[dict]:
    """The approved commitments a run scores, as stored with its parameters: [{"id", "unit" (id)}]."""
    return [{"id": pk, "unit": unit_id} for pk, unit_id in
            Commitment.objects.filter(campaign=campaign, status=Commitment.Status.APPROVED)
            .order_by("unit__code", "order", "id").values_list("id", "unit_id")]


def commitment_sums(*, group_id: int, keys: list[str], threshold: float, commitment_ids: list[int]) -> list:
    """[(cell key tuple, commitment id, n, Σscore, Σscore², count(score ≥ threshold))] of one group:
    one GROUP BY over its 兑现情况 answers, cells from the ballots' profiles (as `group_sums`).
    Option scores are decimals: their sums are exact on PostgreSQL in any order."""
    cells = {f"k{i}": KeyTextTransform(key, "ballot__profile") for i, key in enumerate(keys)}
    score = F("option__score")
    rows = (Answer.objects.filter(ballot__group_id=group_id, commitment_id__in=commitment_ids,
                                  option__score__isnull=False)
            .order_by().annotate(**cells).values(*cells, "commitment_id")
            .annotate(n=Count("*"), sy=Sum(score), syy=Sum(score * score),
                      yes=Count("pk", filter=Q(option__score__gte=threshold)))
            .values_list(*cells, "commitment_id", "n", "sy", "syy", "yes"))
    return sorted(((tuple(row[:len(keys)]), *row[len(keys):]) for row in rows),
                  key=lambda r: (tuple("" if v is None else v for v in r[0]), r[1]))


def group_commitment_sums(parameters: dict, sums: dict[str, GroupSums]) -> dict[str, GroupSums]:
    """Each group's commitment sums over the same cells as its unit scores ({} without commitments)."""
    commitments = parameters.get("commitments") or []
    out = {}
    for spec in parameters["groups"]:
        ids = [c["id"] for c in commitments if c["unit"] in spec["units"]]
        if ids:
            rows = commitment_sums(group_id=spec["id"], keys=spec["keys"],
                                   threshold=parameters["satisfied_threshold"], commitment_ids=ids)
            out[spec["key"]] = GroupSums(cells=sums[spec["key"]].cells, sums=rows)
    return out


def commitment_entries(*, parameters: dict, sums: dict[str, GroupSums], texts: dict[int, str],
                       unit_codes: dict[int, str]) -> list[dict]:
    """The run's "commitments" list from the groups' commitment sums (`group_commitment_sums`)."""
    commitments = parameters.get("commitments") or []
    level, lonely_psu = parameters["level"], parameters["lonely_psu"]
    results = []
    for spec in parameters["groups"]:
        if spec["key"] in sums:
            ids = [c["id"] for c in commitments if c["unit"] in spec["units"]]
            results.append((spec, group_result({**spec, "units": ids}, sums[spec["key"]], level, lonely_psu)))
    return [_entry(c, results, parameters, texts, unit_codes) for c in commitments]


def _entry(commitment: dict, results: list, parameters: dict, texts: dict, unit_codes: dict) -> dict:
    raters = [(spec, g, g.units.index(commitment["id"])) for spec, g in results if commitment["id"] in g.units]
    counts = [int(g.means.n[j]) if g.means is not None else 0 for _spec, g, j in raters]
    present = [(g, j) for (_spec, g, j), n in zip(raters, counts, strict=True) if n > 0 and g.weight > 0]
    entry = {"id": commitment["id"], "unit": unit_codes[commitment["unit"]], "text": texts.get(commitment["id"], ""),
             "score": None, "ci": [None, None], "se": None, "n": sum(counts),
             "suppressed": not raters or any(n < parameters["min_ballots"] for n in counts)}
    if present:
        value, se, low, high = composite_many(np.array([[g.means.value[j]] for g, j in present]),
                                              np.array([[g.means.se[j]] for g, j in present]),
                                              np.array([g.weight for g, _j in present]), level=parameters["level"])
        entry.update(score=_num(value[0]), se=_num(se[0]), ci=[_num(low[0]), _num(high[0])])
    return entry


def digest_part(sums: dict[str, GroupSums]) -> dict:
    """The commitment sums as the input digest covers them (sorted, exact numbers as text)."""
    return {key: [[list(cell), cid, n, str(sy), str(syy), yes] for cell, cid, n, sy, syy, yes in s.sums]
            for key, s in sorted(sums.items())}


def commitment_texts(parameters: dict) -> tuple[dict[int, str], dict[int, str]]:
    """(commitment id → text, unit id → code) for the commitments of `parameters`."""
    ids = [c["id"] for c in parameters.get("commitments") or []]
    rows = Commitment.objects.filter(pk__in=ids).values_list("id", "text", "unit_id", "unit__code")
    texts = {pk: text for pk, text, _u, _c in rows}
    codes = {unit_id: code for _pk, _t, unit_id, code in rows}
    return texts, codes
