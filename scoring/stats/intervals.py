"""Confidence intervals, vectorised over estimates (numpy arrays or scalars).

All functions take arrays that broadcast together and return ``(low, high)`` arrays, except
:func:`share_interval`, which also returns the estimate (snapped to 0 or 1 at the boundary).
"""
import numpy as np
from scipy import special, stats

INTERVAL_METHODS = ("logit", "beta", "wilson")

# Beyond this effective size p̂(1−p̂)/SE² the design SE is numerically zero (a share fixed by the
# calibration, or every stratum unanimous): it says nothing about the sampling error.
SE_SAYS_NOTHING = 1e15


def normal_interval(value, se, level):
    """estimate ± z_{1-α/2} · SE — R's ``confint()`` on ``svymean``/``svytotal``."""
    z = special.ndtri(0.5 + level / 2)
    value, se = np.asarray(value, float), np.asarray(se, float)
    return value - z * se, value + z * se


def t_quantile(df, level):
    """t_{df, 1-α/2}; NaN where df < 1 (R's ``qt`` gives NaN for df = 0 too)."""
    df = np.asarray(df, float)
    with np.errstate(invalid="ignore"):
        return np.where(df >= 1, stats.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)


def kg_df_factor(rows, df, level):
    """Korn–Graubard's degrees-of-freedom factor (t_{rows−1, α/2} / t_{df, α/2})², where ``rows``
    is R's ``nrow(design)``; NaN when either has fewer than one degree of freedom."""
    with np.errstate(invalid="ignore"):
        return (t_quantile(np.asarray(rows, float) - 1, level) / t_quantile(df, level)) ** 2


def kg_bounds(p, n_star, level):
    """Korn–Graubard bounds at effective size n*: [Beta⁻¹(α/2; n*p̂, n*(1−p̂)+1),
    Beta⁻¹(1−α/2; n*p̂+1, n*(1−p̂))], 0 below p̂ = 0 and 1 above p̂ = 1 (the Clopper–Pearson
    interval of n* trials)."""
    p, n_star = np.broadcast_arrays(np.asarray(p, float), np.asarray(n_star, float))
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(p > 0, stats.beta.ppf(alpha / 2, n_star * p, n_star * (1 - p) + 1), 0.0)
        high = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, n_star * p + 1, n_star * (1 - p)), 1.0)
    return low, high


def share_interval(p, se, df, level, *, method, k, n, fallback_n, census):
    """The interval of a share (R's ``svyciprop``) with the boundary rules decided on counts.

    ``k``, ``n``: respondents with the flag and respondents in the domain (for a composite, the
    sums over its groups). Returns ``(value, low, high)``:

    * every respondent flagged (k = n) or none (k = 0) — decided on the counts, never by comparing
      a float with 1: the estimate is exactly 1 or 0, and the interval Korn–Graubard's at
      ``fallback_n`` (R returns NaN or the output of a failed fit there);
    * the design SE numerically zero although 0 < p̂ < 1 (a share fixed by the calibration, or
      strata each unanimous): it says nothing about the error either, so the same fallback;
    * otherwise ``method``: "logit" expit(logit p̂ ± t_df · SE/(p̂(1−p̂))) — R's sandwich SE of the
      intercept-only quasibinomial fit is exactly this delta-method SE — or "beta" (Korn–Graubard
      with n* = p̂(1−p̂)/SE² · ``fallback_n``/``n``, the df factor of :func:`kg_df_factor`);
    * fewer than one degree of freedom (e.g. a domain of one respondent; R's bounds are NaN):
      [0, 1], nothing is known about the error;
    * a census (every stratum enumerated, ``census``): no sampling error, [p̂, p̂].

    So the interval always contains the estimate, lies in [0, 1], and has zero width only for a
    census. ``fallback_n``: respondents × :func:`kg_df_factor` for one group, the pooled size of
    :func:`scoring.stats.composite_proportions` for a composite.
    """
    p, se, df, k, n, fallback_n = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (p, se, df, k, n, fallback_n)))
    census = np.broadcast_to(np.asarray(census, bool), p.shape)
    all_yes, none = (k == n) & (n > 0), (k == 0) & (n > 0)
    value = np.where(all_yes, 1.0, np.where(none, 0.0, p))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_design = value * (1 - value) / se**2
        silent = all_yes | none | ~(n_design <= SE_SAYS_NOTHING)
        if method == "logit":
            half = t_quantile(df, level) * se / (value * (1 - value))
            low, high = special.expit(special.logit(value) - half), special.expit(special.logit(value) + half)
        elif method == "beta":
            low, high = kg_bounds(value, n_design * fallback_n / n, level)
        else:
            raise ValueError(f"share_interval: method must be 'logit' or 'beta', got {method!r}")
    f_low, f_high = kg_bounds(value, fallback_n, level)
    low, high = np.where(silent, f_low, low), np.where(silent, f_high, high)
    unknown = ~np.isfinite(fallback_n) | ~(t_quantile(df, level) > 0)
    low, high = np.where(unknown, 0.0, low), np.where(unknown, 1.0, high)
    low, high = np.where(census, value, low), np.where(census, value, high)
    # Rounding at the last bit must not leave the estimate outside its own interval.
    return value, np.minimum(low, value), np.maximum(high, value)


def wilson_interval(k, n, level):
    """Wilson score interval without continuity correction — the formula of
    ``scipy.stats.binomtest(k, n).proportion_ci(level, method="wilson")`` (Newcombe 1998)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    z = special.ndtri(0.5 + 0.5 * level)
    p = k / n
    denom = 2 * (n + z**2)
    centre = (2 * n * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
    return np.where(k == 0, 0.0, centre - delta), np.where(k == n, 1.0, centre + delta)
