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
    values, ses = _checked(values, ses, draws, ties)
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


RANK_METHODS = ("marginal", "simultaneous")


def simultaneous_rank_intervals(values, ses, seed, draws=2000, level=0.95, ties="min"):
    """Joint rank intervals: with probability ≥ ``level`` *every* unit's rank lies in its interval
    at once — the simultaneous confidence set of Mogstad, Romano, Shaikh & Wilhelm (2024,
    "Inference for Ranks with Applications to Mobility across Neighbourhoods and Academic
    Achievement across Countries", R package csranks: ``csranks(x, Sigma, simul = TRUE)``).

    Estimates independent and normal, Σ = diag(SE²). All pairwise hypotheses θ_j ≤ θ_k are tested
    at once with the step-down max-t procedure: the critical value c is the ``level`` quantile of
    max over the remaining ordered pairs of (Z_j − Z_k)/√(SE_j² + SE_k²), Z ~ N(0, Σ) (seeded
    draws); each pair with (x_j − x_k)/s_jk > c is decided (θ_j > θ_k), the pairs left get a new,
    smaller c, until nothing more is decided. Then rank_low_j = 1 + #{k decided above j} and
    rank_high_j = p − #{k decided below j}. Wider than :func:`rank_intervals`' marginal intervals,
    which hold unit by unit only. Point ranks and ``ties`` as :func:`rank_intervals`.
    """
    level = check_level(level)
    values, ses = _checked(values, ses, draws, ties)
    p = values.size
    rank = stats.rankdata(-values, method=ties).astype(int)
    if p == 1:
        one = np.ones(1, int)
        return RankIntervals(_frozen(rank), _frozen(one), _frozen(one))
    scale = np.sqrt(ses[:, None] ** 2 + ses[None, :] ** 2)
    off_diagonal = ~np.eye(p, dtype=bool)
    positive = off_diagonal & (scale > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_obs = np.where(positive, (values[:, None] - values[None, :]) / scale, 0.0)
    # Equal estimates with SE 0 are not different; unequal ones are, without any test.
    decided = off_diagonal & (scale == 0) & (values[:, None] > values[None, :])
    rng = np.random.default_rng(seed)
    z = ses * rng.standard_normal((int(draws), p))
    open_pairs = positive.copy()
    while open_pairs.any():
        critical = np.quantile(_max_t(z, scale, open_pairs), level, method="inverted_cdf")
        newly = open_pairs & (t_obs > critical)
        if not newly.any():
            break
        decided |= newly
        open_pairs &= ~newly
    low = 1 + decided.sum(axis=0)    # column j: units k decided above j
    high = p - decided.sum(axis=1)   # row j: units decided below j
    return RankIntervals(_frozen(rank), _frozen(low.astype(int)), _frozen(high.astype(int)))


def _max_t(z, scale, pairs):
    """Per draw, max over the ``pairs`` (j, k) of (Z_j − Z_k)/s_jk — row by row, so that memory
    stays draws × units, not draws × units²."""
    largest = np.full(z.shape[0], -np.inf)
    for j in np.flatnonzero(pairs.any(axis=1)):
        k = pairs[j]
        largest = np.maximum(largest, ((z[:, j, None] - z[:, k]) / scale[j, k]).max(axis=1))
    return largest


def _checked(values, ses, draws, ties):
    values, ses = np.asarray(values, float), np.asarray(ses, float)
    if values.ndim != 1 or values.shape != ses.shape or values.size == 0:
        raise StatsError("values and ses must be 1-D arrays of the same, non-zero length")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(ses)) and np.all(ses >= 0)):
        raise StatsError("values and ses must be finite, with ses ≥ 0 (leave out unranked units)")
    if ties not in ("min", "ordinal"):
        raise StatsError(f"ties must be 'min' or 'ordinal', got {ties!r}")
    if int(draws) < 1:
        raise StatsError("draws must be at least 1")
    return values, ses
