"""Composite scores across evaluator groups (independent samples)."""
import math

import numpy as np

from ._checks import check_level
from .errors import StatsError
from .estimators import Estimate
from .intervals import normal_interval


def composite(estimates, weights, level=0.95):
    """Group-weighted composite of one unit: S = Σ w_g S_g / W, Var S = Σ (w_g/W)² Var S_g,
    with W = Σ w_g over the groups present, and a normal interval at ``level``.

    ``estimates``: one :class:`Estimate` (anything with ``value`` and ``se``) per group, or None
    for a group that does not rate the unit; ``weights``: the groups' weights (> 0), same order.
    The groups are independent samples, so their variances add. The result's ``n`` and ``ess``
    are the sums over the groups present (the composite has no Kish size of its own).
    """
    level = check_level(level)
    if len(estimates) != len(weights):
        raise StatsError(f"{len(estimates)} estimates but {len(weights)} weights")
    present = [(e, float(w)) for e, w in zip(estimates, weights, strict=True) if e is not None]
    if not present:
        raise StatsError("no group estimates to combine")
    if any(not (math.isfinite(w) and w > 0) for _, w in present):
        raise StatsError("group weights must be positive")
    if any(not (math.isfinite(e.value) and math.isfinite(e.se) and e.se >= 0) for e, _ in present):
        raise StatsError("group estimates must have finite values and SEs")
    total_w = sum(w for _, w in present)
    value = sum(w * e.value for e, w in present) / total_w
    se = math.sqrt(sum((w / total_w) ** 2 * e.se ** 2 for e, w in present))
    low, high = normal_interval(value, se, level)
    return Estimate(value, se, float(low), float(high),
                    int(sum(getattr(e, "n", 0) for e, _ in present)),
                    float(sum(getattr(e, "ess", 0.0) for e, _ in present)), level)


def composite_many(values, ses, weights, level=0.95):
    """:func:`composite` for many units at once.

    ``values``, ``ses``: (G, U) arrays, group g's estimate of unit u, NaN where group g does not
    rate unit u; ``weights``: (G,) group weights. Returns ``(value, se, ci_low, ci_high)``, arrays
    of length U (NaN for a unit no group rates).
    """
    level = check_level(level)
    values, ses = np.atleast_2d(np.asarray(values, float)), np.atleast_2d(np.asarray(ses, float))
    weights = np.asarray(weights, float)
    if values.shape != ses.shape or weights.shape != (values.shape[0],):
        raise StatsError(f"shapes do not match: values {values.shape}, ses {ses.shape}, "
                         f"weights {weights.shape}")
    if not np.all(np.isfinite(weights) & (weights > 0)):
        raise StatsError("group weights must be positive")
    present = np.isfinite(values)
    if np.any(present & ~(np.isfinite(ses) & (ses >= 0))):
        raise StatsError("a group estimate without a finite SE")
    w = np.where(present, weights[:, None], 0.0)
    total_w = w.sum(axis=0)
    rated = total_w > 0
    share = w / np.where(rated, total_w, 1.0)
    value = np.where(rated, np.where(present, share * values, 0.0).sum(axis=0), np.nan)
    se = np.where(rated, np.sqrt(np.where(present, share**2 * ses**2, 0.0).sum(axis=0)), np.nan)
    low, high = normal_interval(value, se, level)
    return value, se, low, high
