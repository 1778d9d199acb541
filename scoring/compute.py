"""From sufficient statistics to scores: method "minping-2" (issues 4 and 14, STATISTICS.md).

No database access here: `scoring.services` loads the per-cell sums (`scoring.selectors`) and the
run's parameters, and this module turns them into the result — the same function for a new run
and for `score --verify`, so a stored run is recomputed exactly as it was computed.
"""
import hashlib
import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.utils.translation import gettext as _

from scoring.stats import (
    CellTable,
    SinglePSUError,
    StatsError,
    composite_many,
    composite_proportions,
    domain_means,
    domain_proportions,
    kish_ess,
    pooled_ess,
    rank_intervals,
    simultaneous_rank_intervals,
)
from surveys.grades import grade_for

from .models import METHOD_VERSION
from .results import kind_position
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


def input_digest(*, parameters: dict, sums: dict[str, GroupSums], extra: dict | None = None) -> str:
    """SHA-256 of the method, the parameters and every group's sufficient statistics (and `extra`
    inputs, such as the commitments' sums, when a run has them)."""
    groups = {
        key: {"cells": sorted(_canonical([list(cell), n]) for cell, n in s.cells.items()),
              "sums": sorted(_canonical([list(row[0]), *row[1:]]) for row in s.sums)}
        for key, s in sums.items()
    }
    scales = {key: list(s.scales) for key, s in sums.items()}
    payload = {"method": METHOD_VERSION, "parameters": parameters, "inputs": groups, "scales": scales, **(extra or {})}
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


def _cell_table(spec: dict, cells: list[tuple], n: np.ndarray, lonely_psu: str) -> CellTable:
    keys = spec["keys"]
    strata = _labels(cells, keys, spec["strata"])
    if strata is not None:
        fpc = [spec["fpc"][level] for level in strata]
    elif spec["fpc"] is not None:
        fpc = np.full(len(cells), float(spec["fpc"]))
    else:
        fpc = None
    table = CellTable(n=n, stratum=strata, fpc=fpc, lonely_psu=lonely_psu)
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
                    _("Group “%(group)s”: some ballots have no answer to “%(variable)s”, which the group's "
                      "weighting design needs.") % {"group": spec["key"], "variable": variable})
            known = (spec["fpc"] if variable == spec["strata"] else
                     (spec["poststratify"] or spec["rake"] or {}).get(variable))
            if isinstance(known, dict) and level not in known:
                raise ScoringError(
                    _("Group “%(group)s”: ballots answer “%(level)s” to “%(variable)s”, which has no census "
                      "margin.") % {"group": spec["key"], "level": level, "variable": variable})


def _check_stored_cells(spec: dict, row_of: dict, sums: list) -> None:
    """Every cell key stored with the unit scores must be a cell the ballots' profiles give under
    the current design keys. Always so (a group's design is frozen before it has ballots); this
    guards against mixing cells of another design instead of failing on a missing key or, worse,
    scoring them."""
    stray = {row[0] for row in sums} - row_of.keys()
    if stray:
        raise ScoringError(
            _("Group “%(group)s”: stored ballot scores carry weighting cells that no ballot has under the group's "
              "design (%(keys)s), e.g. %(cell)s; their cell keys are out of date.")
            % {"group": spec["key"], "keys": ", ".join(spec["keys"]) or _("unweighted"),
               "cell": sorted(map(str, stray))[0]})


def group_result(spec: dict, sums: GroupSums, level: float, lonely_psu: str = "fail") -> GroupResult:
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
        table = _cell_table(spec, cells, n, lonely_psu)
        result.means = domain_means(table, n_d, sy, syy, level=level)
        result.shares = domain_proportions(table, n_d, yes, level=level, method="logit")
    except SinglePSUError as error:
        raise ScoringError(
            _("Group “%(group)s”: a weighting stratum has a single ballot, and the campaign's rule for such strata "
              "is “fail”. Choose “adjust” or collect more ballots. (%(detail)s)")
            % {"group": spec["key"], "detail": error}) from error
    except StatsError as error:
        raise ScoringError(_("Group “%(group)s”: the weighting design cannot be computed: %(detail)s")
                           % {"group": spec["key"], "detail": error}) from error
    result.n = int(n.sum())
    result.ess = float(kish_ess(table.weights, n))
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
    """Share satisfied across the groups that rate a unit (scoring.stats.composite_proportions):
    with one group, that group's svyciprop interval; at the boundary, decided on the counts."""
    if not parts:
        return {"value": None, "ci_low": None, "ci_high": None, "method": None}

    def stack(field):
        return np.array([[float(getattr(g.shares, field)[j])] for _w, g, j in parts])

    shares = composite_proportions(
        stack("value"), stack("se"), stack("df"), stack("k"), stack("n"), stack("fallback_n"),
        [g.shares.census for _w, g, _j in parts], [w for w, _g, _j in parts], level=level)
    return {"value": _num(shares.value[0]), "ci_low": _num(shares.ci_low[0]), "ci_high": _num(shares.ci_high[0]),
            "method": shares.method[0]}


def rank_seed(digest: str, kind: str) -> int:
    """Reproducible per run: the same inputs draw the same simulation."""
    return int.from_bytes(hashlib.sha256(f"{digest}:{kind}".encode()).digest()[:8], "big")


# How published numbers are rounded: scores and their intervals to one decimal, half up, on the
# computed value (Decimal of the float, exactly); grades are read off the rounded score, so that
# two units printed with the same score always get the same grade.
SCORE_DIGITS = 1
ROUNDING_RULE = "half-up to 0.1 on the computed value; grades from the rounded score"


def published(value: float | None) -> float | None:
    """The number as printed: `value` rounded half up to SCORE_DIGITS decimals."""
    if value is None:
        return None
    step = Decimal(1).scaleb(-SCORE_DIGITS)
    return float(Decimal(value).quantize(step, rounding=ROUND_HALF_UP))


def compute(*, parameters: dict, sums: dict[str, GroupSums], units: dict, digest: str) -> dict:
    """The run's result (without campaign slug and run number): groups and units, JSON-ready.

    `units`: {unit id: Unit} for every unit a group rates.
    """
    level = parameters["level"]
    lonely_psu = parameters["lonely_psu"]
    groups = [group_result(spec, sums[spec["key"]], level, lonely_psu) for spec in parameters["groups"]]
    unit_ids = sorted(units, key=lambda u: (units[u].kind, units[u].code))
    entries = [_unit_entry(units[u], groups, parameters) for u in unit_ids]
    _rank(entries, parameters, digest)
    return {
        "method": METHOD_VERSION,
        "level": level,
        "methods": declared_methods(parameters),
        "groups": [{"key": g.key, "weight": g.weight, "n": g.n, "ess": _num(g.ess), "design": _design(spec),
                    "variance": variance_method(spec)}
                   for g, spec in zip(groups, parameters["groups"], strict=True)],
        "units": sorted(entries, key=_display_order),
    }


RANK_METHOD_NAMES = {
    "marginal": "marginal: 95% quantiles of each unit's rank over seeded draws from N(score, SE²), unit by unit",
    "simultaneous": "simultaneous: joint 95% confidence set for all ranks of a unit kind, step-down max-t over "
                    "all pairwise differences (Mogstad, Romano, Shaikh & Wilhelm; R csranks, simul = TRUE)",
}


def declared_methods(parameters: dict) -> dict:
    """Every method the run used, by name, so that the numbers can be reproduced elsewhere."""
    return {
        "mean_interval": "normal: estimate ± z·SE (R confint on svymean)",
        "share_interval": ("logit with the design's degrees of freedom (R svyciprop); all or no respondents "
                           "satisfied (decided on counts) or a zero SE: Korn–Graubard with the respondents as "
                           "effective size; no degrees of freedom: [0, 1]; census: no interval width"),
        "composite": "Σ (w_g/W) × group estimate over the groups that rate the unit; variance Σ (w_g/W)² × SE_g²",
        "composite_share_interval": ("logit with Satterthwaite degrees of freedom; at the boundary or with a zero SE "
                                     "Korn–Graubard at the pooled effective size 1/Σ (w_g/W)²/n*_g"),
        "composite_ess": "pooled: 1/Σ (w_g/W)²/ess_g",
        "lonely_psu": parameters["lonely_psu"],
        "rank_interval": RANK_METHOD_NAMES[parameters["rank_method"]],
        "rank_draws": parameters["rank_draws"],
        "rank_level": parameters["rank_level"],
        "rounding": ROUNDING_RULE,
        "grade_uncertainty": "grade_low/grade_high: the grades of the rounded confidence limits; borderline when they differ",
    }


def variance_method(spec: dict) -> str:
    """The group's variance estimator, in R's words: calibrate(calfun="raking") for raked groups
    (not rake()'s ten sweeps, whose SEs differ by up to ~1%), postStratify, stratified or SRS."""
    if spec["rake"]:
        return "calibrate-raking"
    if spec["poststratify"]:
        return "poststratify"
    if spec["strata"]:
        return "stratified"
    return "srs"


def _design(spec: dict) -> dict:
    return {"strata": spec["strata"] or None, "fpc": spec["fpc"], "poststratify": spec["poststratify"],
            "rake": spec["rake"]}


def _unit_entry(unit, groups: list[GroupResult], parameters: dict) -> dict:
    raters = [(g, g.units.index(unit.id)) for g in groups if unit.id in g.units]
    group_entries = [_group_entry(g, j) for g, j in raters]
    suppressed = any(e["n"] < parameters["min_ballots"] for e in group_entries)
    present = [(g, j) for (g, j), e in zip(raters, group_entries, strict=True) if e["n"] > 0 and g.weight > 0]
    entry = {"code": unit.code, "name": unit.name, "kind": unit.kind,
             "n": sum(e["n"] for e in group_entries), "ess": None, "score": None, "se": None, "ci_low": None,
             "ci_high": None, "grade": None, "satisfied": _satisfied([], parameters["level"]),
             "rank": None, "rank_low": None, "rank_high": None, "suppressed": suppressed,
             "groups": group_entries}
    if present:
        values = np.array([[g.means.value[j]] for g, j in present])
        ses = np.array([[g.means.se[j]] for g, j in present])
        weights = np.array([g.weight for g, _ in present])
        value, se, low, high = composite_many(values, ses, weights, level=parameters["level"])
        entry.update(score=_num(value[0]), se=_num(se[0]), ci_low=_num(low[0]), ci_high=_num(high[0]),
                     ess=_num(pooled_ess([g.means.ess[j] for g, j in present], weights)))
        entry["satisfied"] = _satisfied([(g.weight, g, j) for g, j in present], parameters["level"])
    entry.update(_published_grade(entry, parameters["grade_bands"], graded=not suppressed))
    return entry


def _published_grade(entry: dict, bands, *, graded: bool) -> dict:
    """The printed score and interval, the grade of the printed score, and the grades of the printed
    interval's ends: a unit whose interval crosses a band boundary is borderline (临界)."""
    shown = {key: published(entry[key]) for key in ("score", "ci_low", "ci_high")}
    out = {"published": shown, "grade": None, "grade_low": None, "grade_high": None}
    if graded and shown["score"] is not None:
        out.update(grade=grade_for(shown["score"], bands), grade_low=grade_for(shown["ci_low"], bands),
                   grade_high=grade_for(shown["ci_high"], bands))
    return out


def _rank(entries: list[dict], parameters: dict, digest: str) -> None:
    """Rank within each unit kind the units that are not suppressed, with the campaign's kind of
    rank intervals (marginal or simultaneous)."""
    by_kind: dict[str, list[dict]] = {}
    for e in entries:
        if not e["suppressed"] and e["score"] is not None and e["se"] is not None:
            by_kind.setdefault(e["kind"], []).append(e)
    intervals = simultaneous_rank_intervals if parameters["rank_method"] == "simultaneous" else rank_intervals
    for kind, ranked in by_kind.items():
        ranks = intervals([e["score"] for e in ranked], [e["se"] for e in ranked],
                          seed=rank_seed(digest, kind), draws=parameters["rank_draws"], level=parameters["rank_level"])
        for e, r, lo, hi in zip(ranked, ranks.rank, ranks.low, ranks.high, strict=True):
            e.update(rank=int(r), rank_low=int(lo), rank_high=int(hi))


def _display_order(e: dict):
    return (kind_position(e["kind"]), e["rank"] is None, e["rank"] or 0, e["code"])
