"""Composite scores across evaluator groups (independent samples)."""
import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_level
from .errors import StatsError
from .estimators import Estimate
from .intervals import SE_SAYS_NOTHING, normal_interval, share_interval


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


@dataclass(frozen=True)
class CompositeShares:
    """Composite shares of U units (arrays of length U, NaN for a unit no group rates).

    ``method`` per unit: "logit" (the interval of the weighted sum, Satterthwaite's df) or
    "beta-pooled" (Korn–Graubard at the pooled effective size: every respondent flagged or none,
    or a design SE of zero), "census" (every group enumerated: no sampling error).
    """

    value: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray
    fallback_n: np.ndarray
    method: tuple


def composite_proportions(values, ses, dfs, ks, ns, fallback_ns, census, weights, level=0.95):
    """Share with a flag across independent groups: p = Σ (w_g/W) p_g, SE² = Σ (w_g/W)² SE_g².

    (G, U) arrays, NaN/absent where group g does not rate unit u: the groups' shares ``values``,
    their SEs, design df, flagged and all respondents ``ks``/``ns`` and the Korn–Graubard
    effective sizes of their boundary rule ``fallback_ns`` (a :class:`DomainEstimates` of
    :func:`domain_proportions` has all of these); ``census`` (G,): the group enumerated every
    stratum; ``weights`` (G,): the groups' weights.

    The interval is :func:`scoring.stats.intervals.share_interval` on the pooled numbers: logit
    with Satterthwaite's degrees of freedom for a weighted sum of independent variances,
    (Σ a_g² V_g)² / Σ (a_g² V_g)²/df_g; the boundary decided on the summed counts (Σk = Σn: every
    respondent of every group flagged — a composite of exact ones is not exactly one in floating
    point, so the value is set to 1); at the boundary or with a zero SE, Korn–Graubard at the
    pooled effective size n* = 1 / Σ a_g²/n*_g (the size of one sample whose binomial variance
    equals the weighted sum's). With one group every number is that group's own.
    """
    level = check_level(level)
    values, ses, dfs, ks, ns, fallback_ns = (np.atleast_2d(np.asarray(a, float))
                                            for a in (values, ses, dfs, ks, ns, fallback_ns))
    weights, census = np.asarray(weights, float), np.asarray(census, bool)
    shape = values.shape
    if any(a.shape != shape for a in (ses, dfs, ks, ns, fallback_ns)) or weights.shape != (shape[0],) \
            or census.shape != (shape[0],):
        raise StatsError(f"shapes do not match: values {shape}, weights {weights.shape}, census {census.shape}")
    if not np.all(np.isfinite(weights) & (weights > 0)):
        raise StatsError("group weights must be positive")
    present = np.isfinite(values) & (np.nan_to_num(ns) > 0)
    w = np.where(present, weights[:, None], 0.0)
    total_w = w.sum(axis=0)
    rated = total_w > 0
    a = w / np.where(rated, total_w, 1.0)

    def pooled(x):
        return np.where(present, x, 0.0).sum(axis=0)

    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(rated, pooled(a * values), np.nan)
        terms = np.where(present, a**2 * ses**2, 0.0)
        var = terms.sum(axis=0)
        df_terms = np.where(present & (terms > 0), terms**2 / dfs, 0.0).sum(axis=0)
        df = np.where(var > 0, var**2 / df_terms, pooled(np.where(present, dfs, 0.0)))
        fallback_n = 1.0 / pooled(np.where(present, a**2 / fallback_ns, 0.0))
    all_census = rated & np.all(census[:, None] | ~present, axis=0)
    value, low, high = share_interval(value, np.sqrt(var), df, level, method="logit", k=pooled(ks), n=pooled(ns),
                                      fallback_n=np.where(rated, fallback_n, np.nan), census=all_census)
    with np.errstate(divide="ignore", invalid="ignore"):
        silent = (pooled(ks) == 0) | (pooled(ks) == pooled(ns)) | ~(value * (1 - value) / var <= SE_SAYS_NOTHING)
    method = tuple("census" if c else "beta-pooled" if s else "logit" if r else None
                   for c, s, r in zip(all_census, silent, rated, strict=True))
    nan = np.where(rated, 1.0, np.nan)
    return CompositeShares(value * nan, np.sqrt(var) * nan, low * nan, high * nan, df * nan, fallback_n * nan,
                           method)
