"""From sufficient statistics to scores: method "minping-1" (issue 4, STATISTICS.md).

No database access here: `scoring.services` loads the per-cell sums (`scoring.selectors`) and the
run's parameters, and this module turns them into the result — the same function for a new run
and for `score --verify`, so a stored run is recomputed exactly as it was computed.
"""
import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from scoring.stats import CellTable, StatsError, composite_many, domain_means, domain_proportions, rank_intervals
from scoring.stats.intervals import logit_interval
from surveys.grades import grade_for
from surveys.models import Unit

from .models import METHOD_VERSION
from .selectors import GroupSums


class ScoringError(Exception):
    """The campaign cannot be scored as it stands; the message says why (user's language)."""


# --- Digest ----------------------------------------------------------------------------------

def _canonical(value):
    """JSON-ready, order-independent form of the inputs: sorted rows, exact numbers as text."""
    if isinstance(value, (Decimal, float)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def input_digest(*, parameters: dict, sums: dict[str, GroupSums]) -> str:
    """SHA-256 of the method, the parameters and every group's sufficient statistics."""
    groups = {
        key: {"cells": sorted(_canonical([list(cell), n]) for cell, n in s.cells.items()),
              "sums": sorted(_canonical([list(row[0]), *row[1:]]) for row in s.sums)}
        for key, s in sums.items()
    }
    scales = {key: list(s.scales) for key, s in sums.items()}
    payload = {"method": METHOD_VERSION, "parameters": parameters, "inputs": groups, "scales": scales}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- One group ------------------------------------------------------------------------------

@dataclass
class GroupResult:
    key: str
    weight: float
    units: list[int]          # domain columns
    n: int                    # ballots of the group
    ess: float | None         # Kish ESS of the whole group
    means: object = None      # DomainEstimates over `units` (None: no ballots)
    shares: object = None


def _labels(cells: list[tuple], keys: list[str], variable: str | None) -> list | None:
    return None if not variable else [cell[keys.index(variable)] for cell in cells]


def _cell_table(spec: dict, cells: list[tuple], n: np.ndarray) -> CellTable:
    keys = spec["keys"]
    strata = _labels(cells, keys, spec["strata"])
    if strata is not None:
        fpc = [spec["fpc"][level] for level in strata]
    elif spec["fpc"] is not None:
        fpc = np.full(len(cells), float(spec["fpc"]))
    else:
        fpc = None
    table = CellTable(n=n, stratum=strata, fpc=fpc)
    # Margins and levels in a fixed order: PostgreSQL's jsonb does not keep the key order of the
    # stored parameters, and raking converges (to 1e-10) to a point that depends on the order.
    if spec["poststratify"]:
        (variable, totals), = spec["poststratify"].items()
        table = table.poststratify(_labels(cells, keys, variable), _sorted(totals))
    elif spec["rake"]:
        table = table.rake({v: (_labels(cells, keys, v), _sorted(spec["rake"][v])) for v in keys if v in spec["rake"]})
    return table


def _sorted(totals: dict) -> dict:
    return {level: totals[level] for level in sorted(totals)}


def _check_cells(spec: dict, cells: list[tuple]) -> None:
    for cell in cells:
        for variable, level in zip(spec["keys"], cell, strict=True):
            if level is None:
                raise ScoringError(
                    f"Group “{spec['key']}”: some ballots have no answer to “{variable}”, "
                    "which the group's weighting design needs.")
            known = (spec["fpc"] if variable == spec["strata"] else
                     (spec["poststratify"] or spec["rake"] or {}).get(variable))
            if isinstance(known, dict) and level not in known:
                raise ScoringError(
                    f"Group “{spec['key']}”: ballots answer “{level}” to “{variable}”, "
                    "which has no census margin.")


def _check_stored_cells(spec: dict, row_of: dict, sums: list) -> None:
    """Every cell key stored with the unit scores must be a cell the ballots' profiles give under
    the current design keys. Always so (a group's design is frozen before it has ballots); this
    guards against mixing cells of another design instead of failing on a missing key or, worse,
    scoring them."""
    stray = {row[0] for row in sums} - row_of.keys()
    if stray:
        raise ScoringError(
            f"Group “{spec['key']}”: stored ballot scores carry weighting cells that no ballot has under "
            f"the group's design ({', '.join(spec['keys']) or 'unweighted'}), e.g. {sorted(map(str, stray))[0]}; "
            "their cell keys are out of date.")


def group_result(spec: dict, sums: GroupSums, level: float) -> GroupResult:
    """Domain means and satisfied shares of every unit the group rates, from the cell sums."""
    units = list(spec["units"])
    result = GroupResult(key=spec["key"], weight=spec["weight"], units=units, n=0, ess=None)
    cells = sorted(sums.cells, key=lambda c: tuple("" if v is None else v for v in c))
    if not cells:
        return result
    _check_cells(spec, cells)
    row_of = {cell: i for i, cell in enumerate(cells)}
    _check_stored_cells(spec, row_of, sums.sums)
    col_of = {unit: j for j, unit in enumerate(units)}
    n = np.array([sums.cells[c] for c in cells], float)
    shape = (len(cells), len(units))
    n_d, sy, syy, yes = (np.zeros(shape) for _ in range(4))
    for cell, unit, count, s1, s2, k in sums.sums:
        j = col_of.get(unit)
        if j is None:
            continue  # a unit the group no longer rates: not part of this group's scores
        i = row_of[cell]
        n_d[i, j], yes[i, j] = count, k
        sy[i, j], syy[i, j] = float(s1) / sums.scales[0], float(s2) / sums.scales[1]
    try:
        table = _cell_table(spec, cells, n)
        result.means = domain_means(table, n_d, sy, syy, level=level)
        result.shares = domain_proportions(table, n_d, yes, level=level, method="logit")
    except StatsError as error:
        raise ScoringError(f"Group “{spec['key']}”: {error}") from error
    w = table.weights
    result.n = int(n.sum())
    result.ess = float((n * w).sum() ** 2 / (n * w * w).sum())
    return result


# --- Composite, grades, ranks -----------------------------------------------------------------

def _num(x):
    """A JSON number at full precision, or None for NaN/inf/absent."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _group_entry(g: GroupResult, j: int) -> dict:
    n = int(g.means.n[j]) if g.means is not None else 0
    if n == 0:
        return {"key": g.key, "weight": g.weight, "n": 0, "ess": None, "score": None, "se": None,
                "ci_low": None, "ci_high": None}
    m = g.means
    return {"key": g.key, "weight": g.weight, "n": n, "ess": _num(m.ess[j]), "score": _num(m.value[j]),
            "se": _num(m.se[j]), "ci_low": _num(m.ci_low[j]), "ci_high": _num(m.ci_high[j])}


def _satisfied(parts: list[tuple[float, GroupResult, int]], level: float) -> dict:
    """Share satisfied across groups: Σ (w_g/W) p_g, SE² = Σ (w_g/W)² SE_g², logit interval.

    With one group this is that group's svyciprop interval; with several, the t quantile uses
    Satterthwaite's degrees of freedom for the weighted sum of independent variances.
    """
    none = {"value": None, "ci_low": None, "ci_high": None}
    if not parts:
        return none
    if len(parts) == 1:
        _, g, j = parts[0]
        s = g.shares
        return {"value": _num(s.value[j]), "ci_low": _num(s.ci_low[j]), "ci_high": _num(s.ci_high[j])}
    total_w = sum(w for w, _, _ in parts)
    p = sum(w / total_w * float(g.shares.value[j]) for w, g, j in parts)
    terms = [(w / total_w) ** 2 * float(g.shares.se[j]) ** 2 for w, g, j in parts]
    var = sum(terms)
    dfs = [float(g.shares.df[j]) for _, g, j in parts]
    df = var ** 2 / sum(t ** 2 / d for t, d in zip(terms, dfs, strict=True) if t > 0) if var > 0 else sum(dfs)
    n = sum(int(g.shares.n[j]) for _, g, j in parts)
    low, high = logit_interval(p, math.sqrt(var), df, level, n, n, False)
    return {"value": _num(p), "ci_low": _num(low), "ci_high": _num(high)}


def rank_seed(digest: str, kind: str) -> int:
    """Reproducible per run: the same inputs draw the same simulation."""
    return int.from_bytes(hashlib.sha256(f"{digest}:{kind}".encode()).digest()[:8], "big")


def compute(*, parameters: dict, sums: dict[str, GroupSums], units: dict, digest: str) -> dict:
    """The run's result (without campaign slug and run number): groups and units, JSON-ready.

    `units`: {unit id: Unit} for every unit a group rates.
    """
    level = parameters["level"]
    groups = [group_result(spec, sums[spec["key"]], level) for spec in parameters["groups"]]
    unit_ids = sorted(units, key=lambda u: (units[u].kind, units[u].code))
    entries = [_unit_entry(units[u], groups, parameters) for u in unit_ids]
    _rank(entries, parameters, digest)
    return {
        "method": METHOD_VERSION,
        "level": level,
        "groups": [{"key": g.key, "weight": g.weight, "n": g.n, "ess": _num(g.ess), "design": _design(spec)}
                   for g, spec in zip(groups, parameters["groups"], strict=True)],
        "units": sorted(entries, key=_display_order),
    }


def _design(spec: dict) -> dict:
    return {"strata": spec["strata"] or None, "fpc": spec["fpc"], "poststratify": spec["poststratify"],
            "rake": spec["rake"]}


def _unit_entry(unit, groups: list[GroupResult], parameters: dict) -> dict:
    raters = [(g, g.units.index(unit.id)) for g in groups if unit.id in g.units]
    group_entries = [_group_entry(g, j) for g, j in raters]
    suppressed = any(e["n"] < parameters["min_ballots"] for e in group_entries)
    present = [(g, j) for (g, j), e in zip(raters, group_entries, strict=True) if e["n"] > 0 and g.weight > 0]
    entry = {"code": unit.code, "name": unit.name, "kind": unit.kind,
             "n": sum(e["n"] for e in group_entries), "score": None, "se": None, "ci_low": None,
             "ci_high": None, "grade": None, "satisfied": _satisfied([], parameters["level"]),
             "rank": None, "rank_low": None, "rank_high": None, "suppressed": suppressed,
             "groups": group_entries}
    if present:
        values = np.array([[g.means.value[j]] for g, j in present])
        ses = np.array([[g.means.se[j]] for g, j in present])
        weights = np.array([g.weight for g, _ in present])
        value, se, low, high = composite_many(values, ses, weights, level=parameters["level"])
        entry.update(score=_num(value[0]), se=_num(se[0]), ci_low=_num(low[0]), ci_high=_num(high[0]))
        entry["satisfied"] = _satisfied([(g.weight, g, j) for g, j in present], parameters["level"])
    if not suppressed and entry["score"] is not None:
        entry["grade"] = grade_for(entry["score"], parameters["grade_bands"])
    return entry


def _rank(entries: list[dict], parameters: dict, digest: str) -> None:
    """Rank within each unit kind the units that are not suppressed, with simulated intervals."""
    by_kind: dict[str, list[dict]] = {}
    for e in entries:
        if not e["suppressed"] and e["score"] is not None and e["se"] is not None:
            by_kind.setdefault(e["kind"], []).append(e)
    for kind, ranked in by_kind.items():
        ranks = rank_intervals([e["score"] for e in ranked], [e["se"] for e in ranked],
                               seed=rank_seed(digest, kind), draws=parameters["rank_draws"],
                               level=parameters["rank_level"])
        for e, r, lo, hi in zip(ranked, ranks.rank, ranks.low, ranks.high, strict=True):
            e.update(rank=int(r), rank_low=int(lo), rank_high=int(hi))


KIND_ORDER = {kind: i for i, kind in enumerate(Unit.Kind.values)}


def _display_order(e: dict):
    return (KIND_ORDER.get(e["kind"], len(KIND_ORDER)), e["rank"] is None, e["rank"] or 0, e["code"])
