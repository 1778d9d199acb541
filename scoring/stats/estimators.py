"""Means, totals and proportions with linearised SEs and confidence intervals (R's ``svymean``,
``svytotal``, ``svyciprop``), for the whole sample or a domain."""
import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_vector, check_finite, check_level
from .design import Design
from .errors import StatsError
from .intervals import INTERVAL_METHODS, kg_df_factor, normal_interval, share_interval, wilson_interval


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error and confidence interval (an immutable value).

    n       respondents that contribute (those in the domain)
    ess     Kish effective sample size (Σw)²/Σw² over those respondents
    level   confidence level of [ci_low, ci_high]
    df      degrees of freedom of the t quantile (None: normal quantile)
    method  "normal" (mean, total), "logit", "beta", "wilson" (proportions)
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    ess: float
    level: float
    df: int | None = None
    method: str = "normal"

    @property
    def var(self):
        return self.se ** 2


def mean(y, design, domain=None, level=0.95):
    """Weighted mean ``svymean(~y, design)``, or a domain mean ``svymean(~y, subset(design,
    domain))``, with the normal interval of ``confint``.

    Respondents outside the domain stay in the design with zero contribution: strata, PSU counts
    and calibration are those of the whole sample. Values of ``y`` outside the domain are ignored
    (they may be NaN); inside it they must be finite.
    """
    level = check_level(level)
    y, mask, w = _inputs(y, design, domain)
    total_w = w.sum()
    value = float(np.sum(w * y) / total_w)
    z = w * (y - value) / total_w
    return _estimate(value, design, z, mask, w, level)


def total(y, design, domain=None, level=0.95):
    """Weighted total ``svytotal(~y, design)`` (or over a domain), with the normal interval."""
    level = check_level(level)
    y, mask, w = _inputs(y, design, domain)
    return _estimate(float(np.sum(w * y)), design, w * y, mask, w, level)


def proportion(flags, design, domain=None, level=0.95, method="logit"):
    """Share of respondents with a 0/1 flag: ``svyciprop(~flag, design, method=..., level=...)``.

    method "logit": R's default; "beta": Korn–Graubard; both use t quantiles with the design's
    degrees of freedom, which for a domain are R's ``degf(subset(design, domain))`` = PSUs with
    domain members − strata with domain members. At p̂ = 0 or 1 both return the Korn–Graubard
    interval with the number of respondents as effective size (R gives meaningless/NaN bounds
    there; see :func:`scoring.stats.intervals.share_interval`, which also covers a zero SE,
    no degrees of freedom and a census). "wilson": only for an unweighted
    simple random sample (no strata, clusters, fpc, calibration, equal weights); equals
    ``scipy.stats.binomtest(k, n).proportion_ci(level, method="wilson")``; refused otherwise.
    """
    level = check_level(level)
    if method not in INTERVAL_METHODS:
        raise StatsError(f"method must be one of {INTERVAL_METHODS}, got {method!r}")
    y, mask, w = _inputs(flags, design, domain)
    if not np.all((y == 0) | (y == 1)):
        raise StatsError("proportion needs 0/1 (or boolean) flags")
    base = mean(y, design, mask, level)
    n_d = base.n
    if method == "wilson":
        if not design._simple():
            raise StatsError("the Wilson interval assumes an unweighted simple random sample; "
                             "use method='logit' or 'beta' for a weighted or complex design")
        low, high = wilson_interval(int(y[mask].sum()), n_d, level)
        return _replace(base, low, high, None, "wilson")
    df = design._domain_df(mask)
    # R's svyciprop(method="beta") uses nrow(design): subset() keeps every row of a calibrated
    # design but drops the other rows of an uncalibrated one.
    rows = design.n if design.calibrated else n_d
    value, low, high = share_interval(
        base.value, base.se, df, level, method=method, k=int(y[mask].sum()), n=n_d,
        fallback_n=n_d * kg_df_factor(rows, df, level), census=design._census())
    return _replace(base, low, high, df, method, value=float(value))


def _inputs(y, design, domain):
    if not isinstance(design, Design):
        raise StatsError("design must be a scoring.stats.Design")
    y = as_vector(y, "y", design.n)
    if domain is None:
        mask = np.ones(design.n, bool)
    else:
        mask = as_vector(domain, "domain", design.n, dtype=float)
        if not np.all((mask == 0) | (mask == 1)):
            raise StatsError("domain must be a boolean mask (one entry per respondent)")
        mask = mask.astype(bool)
        if not mask.any():
            raise StatsError("the domain has no respondents")
    check_finite(y[mask], "y (within the domain)")
    y = np.where(mask, y, 0.0)
    return y, mask, np.where(mask, design.weights, 0.0)


def _estimate(value, design, z, mask, w, level):
    se = math.sqrt(design._variance(design._calibrate(z)))
    low, high = normal_interval(value, se, level)
    ess = float(w.sum() ** 2 / np.sum(w * w))
    return Estimate(value, se, float(low), float(high), int(mask.sum()), ess, level)


def _replace(base, low, high, df, method, value=None):
    return Estimate(base.value if value is None else value, base.se, float(low), float(high), base.n, base.ess, base.level,
                    None if df is None else int(df), method)
