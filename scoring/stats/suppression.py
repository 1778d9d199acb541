"""Hiding small cells of a published breakdown, so that no hidden cell can be worked out again."""
import numpy as np

from .errors import StatsError


def suppress_cells(counts, minimum, totals_shown=True):
    """Which cells of a breakdown to hide (a boolean array shaped like ``counts``).

    ``counts``: respondents per cell, one row per published row (e.g. a unit, its cells the
    evaluator groups). Primary suppression: a cell with 0 < count < ``minimum`` is hidden.
    Secondary: when a row's total is published (``totals_shown``) and exactly one cell of the row
    is hidden, total minus the shown cells would reveal it, so the smallest other non-empty cell
    of the row is hidden too (the first of equal ones). Empty cells reveal nothing and stay shown.
    """
    c = np.atleast_2d(np.asarray(counts, float))
    if c.ndim != 2 or np.any(~np.isfinite(c)) or np.any(c < 0):
        raise StatsError("counts must be a table of non-negative numbers")
    if minimum < 1:
        raise StatsError("minimum must be at least 1")
    hidden = (c > 0) & (c < minimum)
    if totals_shown:
        for row in np.flatnonzero(hidden.sum(axis=1) == 1):
            candidates = np.where(~hidden[row] & (c[row] > 0), c[row], np.inf)
            if np.isfinite(candidates.min()):
                hidden[row, int(np.argmin(candidates))] = True
    return hidden.reshape(np.shape(counts))
