"""Calibration weights: post-stratification and raking (iterative proportional fitting).

Shared by the respondent-level :class:`~scoring.stats.design.Design` (one row per respondent,
count 1) and the cell-level :class:`~scoring.stats.cells.CellTable` (one row per cell, count n_k):
both hand in the weighted mass ``count * weight`` of each row and a label code per row.
"""
from dataclasses import dataclass

import numpy as np

from ._checks import as_labels
from .errors import StatsError

RAKE_TOLERANCE = 1e-10
RAKE_MAX_SWEEPS = 1000


@dataclass(frozen=True)
class Margin:
    """One calibration variable: a code per row, its levels, and the population total per level."""

    name: str
    codes: np.ndarray
    levels: list
    totals: np.ndarray


def make_margin(name, labels, totals, counts):
    """Check one calibration variable against its population totals; return a :class:`Margin`.

    Mirrors the refusals of R's ``postStratify``: a respondent's label must have a population
    total ("Strata in sample absent from population"), and a level with a positive population
    total must have respondents ("Some strata absent from sample"). Levels whose population total
    is zero and which have no respondents are ignored, as R does.
    """
    codes, levels = as_labels(labels, f"labels of {name!r}", counts.shape[0])
    if not isinstance(totals, dict):
        raise StatsError(f"population totals of {name!r} must be a dict {{label: total}}")
    unknown = [lv for lv in levels if lv not in totals]
    if unknown:
        raise StatsError(f"{name!r}: respondents' labels {unknown!r} have no population total")
    tot = np.array([totals[lv] for lv in levels], dtype=float)
    bad = [k for k, v in totals.items() if not (np.isfinite(float(v)) and float(v) >= 0)]
    if bad:
        raise StatsError(f"{name!r}: population totals must be finite and >= 0 (levels {bad!r})")
    present = np.bincount(codes, weights=counts, minlength=len(levels))
    empty = [lv for lv, c, t in zip(levels, present, tot, strict=True) if c <= 0 and t > 0]
    empty += [k for k, v in totals.items() if k not in levels and float(v) > 0]
    if empty:
        raise StatsError(f"{name!r}: levels {empty!r} have a population total but no respondents")
    zero = [lv for lv, c, t in zip(levels, present, tot, strict=True) if c > 0 and t == 0]
    if zero:
        raise StatsError(f"{name!r}: levels {zero!r} have respondents but a population total of 0")
    return Margin(name, codes, levels, tot)


def poststratify_factors(mass, margin):
    """Factor g per row so that each cell's weighted total equals its population total (R's
    ``postStratify``): g_c = N_c / sum of the weights in cell c."""
    sums = np.bincount(margin.codes, weights=mass, minlength=len(margin.levels))
    return (margin.totals / sums)[margin.codes]


def rake_factors(mass, margins, tol=RAKE_TOLERANCE, max_sweeps=RAKE_MAX_SWEEPS):
    """Factor g per row from iterative proportional fitting (R's ``rake``, ``calibrate(calfun=
    "raking")``): post-stratify on each margin in turn until every margin's weighted totals are
    within relative ``tol`` of the population totals."""
    grand = [m.totals.sum() for m in margins]
    if max(grand) - min(grand) > 1e-9 * max(grand):
        detail = ", ".join(f"{m.name}={t:.17g}" for m, t in zip(margins, grand, strict=True))
        raise StatsError(f"raking margins have different grand totals: {detail}")
    g = np.ones_like(mass)
    for _ in range(max_sweeps):
        for m in margins:
            g *= poststratify_factors(mass * g, m)
        if _worst_margin(mass * g, margins) < tol:
            return g
    raise StatsError(
        f"raking did not converge in {max_sweeps} sweeps (largest relative margin error "
        f"{_worst_margin(mass * g, margins):.3g}); the margins may be incompatible with the "
        "sample (e.g. empty combinations of levels)"
    )


def _worst_margin(mass, margins):
    worst = 0.0
    for m in margins:
        sums = np.bincount(m.codes, weights=mass, minlength=len(m.levels))
        worst = max(worst, float(np.max(np.abs(sums / m.totals - 1))))
    return worst
