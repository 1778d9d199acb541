"""Argument checks shared by the respondent-level and the cell-level code."""
import numpy as np

from .errors import StatsError


def as_vector(values, name, n=None, dtype=float):
    """A 1-D array of ``dtype`` (a copy), of length ``n`` when given."""
    try:
        arr = np.array(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name}: cannot read as {np.dtype(dtype).name} values ({exc})") from None
    if arr.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise StatsError(f"{name} has {arr.shape[0]} entries, expected {n} (one per row)")
    return arr


def as_labels(values, name, n):
    """Integer codes 0..L-1 and the sorted distinct labels (as Python values) of a label array."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise StatsError(f"{name} must be one label per row: expected {n} entries, got shape {arr.shape}")
    if arr.dtype == object and any(v is None for v in arr):
        raise StatsError(f"{name} has missing labels (None)")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise StatsError(f"{name} has missing labels (NaN)")
    try:
        levels, codes = np.unique(arr, return_inverse=True)
    except TypeError as exc:
        raise StatsError(f"{name}: labels of mixed types cannot be sorted ({exc})") from None
    return codes.reshape(-1), levels.tolist()


def check_finite(arr, name):
    if not np.all(np.isfinite(arr)):
        raise StatsError(f"{name} contains NaN or infinite values")


def check_weights(w, name="weights"):
    check_finite(w, name)
    if np.any(w <= 0):
        # Zero weights would make z/w undefined in the calibration adjustment; use a domain instead.
        raise StatsError(f"{name} must be positive (found {w.min():g}); exclude respondents with a domain")


def check_level(level):
    if not (isinstance(level, (int, float, np.floating)) and 0 < float(level) < 1):
        raise StatsError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(level)
