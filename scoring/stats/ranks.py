"""Rank intervals by simulation from the estimates' sampling distributions."""
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._checks import check_level
from .errors import StatsError


@dataclass(frozen=True)
class RankIntervals:
    """Per unit (in the order given): point ``rank`` (1 = highest score) and the simulated
    ``low``/``high`` rank quantiles (integers; low ≤ high, low is the better rank)."""

    rank: np.ndarray
    low: np.ndarray
    high: np.ndarray


def rank_intervals(values, ses, seed, draws=2000, level=0.95, ties="min"):
    """Rank each unit and give an interval for its rank.

    Each draw takes every unit's score from N(S_u, SE_u²) independently (seeded
    ``numpy.random.default_rng(seed)``) and ranks the units, 1 = highest. ``low``/``high`` are the
    (1 − level)/2 and (1 + level)/2 quantiles of each unit's simulated ranks ("inverted CDF", so
    they are ranks that occurred). Independent draws ignore the positive covariance between
    units rated by the same people, which widens the intervals (conservative).

    Point ranks come from the estimates themselves; ``ties``: "min" (tied units share the best
    rank, 1-2-2-4) or "ordinal" (ties broken by the order given). Tied simulated scores (only
    with SE = 0) are ranked "min" too.
    """
    level = check_level(level)
    values, ses = np.asarray(values, float), np.asarray(ses, float)
    if values.ndim != 1 or values.shape != ses.shape or values.size == 0:
        raise StatsError("values and ses must be 1-D arrays of the same, non-zero length")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(ses)) and np.all(ses >= 0)):
        raise StatsError("values and ses must be finite, with ses ≥ 0 (leave out unranked units)")
    if ties not in ("min", "ordinal"):
        raise StatsError(f"ties must be 'min' or 'ordinal', got {ties!r}")
    if int(draws) < 1:
        raise StatsError("draws must be at least 1")
    rank = stats.rankdata(-values, method=ties).astype(int)
    rng = np.random.default_rng(seed)
    sims = values + ses * rng.standard_normal((int(draws), values.size))
    sim_ranks = stats.rankdata(-sims, method="min", axis=1)
    low = np.quantile(sim_ranks, (1 - level) / 2, axis=0, method="inverted_cdf")
    high = np.quantile(sim_ranks, (1 + level) / 2, axis=0, method="inverted_cdf")
    return RankIntervals(_frozen(rank), _frozen(low.astype(int)), _frozen(high.astype(int)))


def _frozen(arr):
    arr = np.array(arr)
    arr.setflags(write=False)
    return arr
