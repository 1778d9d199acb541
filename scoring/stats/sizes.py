"""Effective sample sizes: how many simple-random-sample respondents a weighted estimate is worth."""
import numpy as np

from .errors import StatsError


def kish_ess(weights, counts=None):
    """Kish's effective sample size (Σw)² / Σw² (Kish 1965), the design effect of unequal weights.

    ``weights``: one weight per respondent, or per cell with ``counts`` respondents each; a 2-D
    ``counts`` (cells × domains) gives one size per domain (column). NaN for an empty domain.
    """
    w = np.asarray(weights, float)
    n = np.ones_like(w) if counts is None else np.asarray(counts, float)
    if n.ndim == 2:
        w = w[:, None]
    if w.shape[0] != n.shape[0]:
        raise StatsError(f"{w.shape[0]} weights but {n.shape[0]} counts")
    with np.errstate(divide="ignore", invalid="ignore"):
        return (w * n).sum(axis=0) ** 2 / (w * w * n).sum(axis=0)


def pooled_ess(sizes, weights):
    """Effective size of a weighted combination Σ a_g X_g of independent estimates (a_g = w_g/W):
    1 / Σ a_g² / n_g, the size of one sample whose mean has the combination's variance when every
    group's respondents vary alike. Groups with size None/NaN (not rating) are left out; NaN when
    none is left. With one group it is that group's size."""
    n = np.asarray([np.nan if s is None else s for s in sizes], float)
    w = np.asarray(weights, float)
    if n.shape != w.shape:
        raise StatsError(f"{n.shape[0]} sizes but {w.shape[0]} weights")
    present = np.isfinite(n) & (n > 0)
    if not present.any():
        return float("nan")
    if np.any(w[present] <= 0):
        raise StatsError("group weights must be positive")
    a = w[present] / w[present].sum()
    return float(1.0 / np.sum(a * a / n[present]))
