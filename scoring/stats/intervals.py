"""Confidence intervals, vectorised over estimates (numpy arrays or scalars).

All functions take arrays that broadcast together and return ``(low, high)`` arrays.
"""
import numpy as np
from scipy import special, stats

INTERVAL_METHODS = ("logit", "beta", "wilson")


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


def logit_interval(p, se, df, level, boundary_n, boundary_rows, census):
    """``svyciprop(method="logit")``: expit(logit p̂ ± t_df · SE/(p̂(1-p̂))).

    R fits ``svyglm(y ~ 1, family=quasibinomial)``; for an intercept-only model its sandwich SE on
    the logit scale is exactly the delta-method SE/(p̂(1-p̂)) used here.
    At p̂ = 0 or 1 the logit interval does not exist (R returns the output of a non-converged
    glm: numerically meaningless bounds). We return the Korn–Graubard interval of
    :func:`beta_interval` instead, which is defined there (see its boundary rule).
    """
    p, se = np.broadcast_arrays(np.asarray(p, float), np.asarray(se, float))
    t = t_quantile(df, level)
    inner = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = special.logit(p)
        half = t * se / (p * (1 - p))
        low = np.where(inner, special.expit(centre - half), np.nan)
        high = np.where(inner, special.expit(centre + half), np.nan)
    b_low, b_high = beta_interval(p, se, df, level, boundary_n, boundary_rows, census)
    return np.where(inner, low, b_low), np.where(inner, high, b_high)


def beta_interval(p, se, df, level, boundary_n, boundary_rows, census):
    """Korn–Graubard interval, ``svyciprop(method="beta")``.

    n* = p̂(1-p̂)/SE² · (t_{rows-1, α/2} / t_{df, α/2})², where ``rows`` is R's ``nrow(design)``;
    interval [Beta⁻¹(α/2; n*p̂, n*(1-p̂)+1), Beta⁻¹(1-α/2; n*p̂+1, n*(1-p̂))].

    Boundary rule (R returns NaN there): when p̂ is 0 or 1 the design SE is 0 and says nothing,
    so, following Korn & Graubard (1998) and SAS SURVEYFREQ, the effective size before the df
    adjustment is the number of respondents ``boundary_n``; the interval is then [0, upper] or
    [lower, 1]. A census (every stratum fully enumerated) has no sampling error: [p̂, p̂].
    If SE = 0 with 0 < p̂ < 1, n* is infinite and the interval is [p̂, p̂].
    """
    p, se, rows, nb = np.broadcast_arrays(*(np.asarray(a, float) for a in (p, se, boundary_rows, boundary_n)))
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (t_quantile(rows - 1, level) / t_quantile(df, level)) ** 2
        inner = (p > 0) & (p < 1)
        n_eff = np.where(inner, p * (1 - p) / se**2, nb) * ratio
        low = np.where(p > 0, stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1), 0.0)
        high = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)), 1.0)
        # SE numerically zero (e.g. a share fixed by the calibration): scipy's beta quantiles
        # fail beyond n* ≈ 1e16; there the beta is normal to within O(1/n*).
        big = inner & (n_eff > 1e15)
        half = special.ndtri(1 - alpha / 2) * np.sqrt(p * (1 - p) / n_eff)
    low, high = np.where(big, p - half, low), np.where(big, p + half, high)
    point = (se == 0) & inner | np.asarray(census, bool)
    nan = np.isnan(ratio)
    low = np.where(point, p, np.where(nan, np.nan, low))
    high = np.where(point, p, np.where(nan, np.nan, high))
    return low, high


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
