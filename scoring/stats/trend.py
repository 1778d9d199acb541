"""Change between two independent campaigns (samples drawn afresh): a difference and its test."""
import math
from dataclasses import dataclass

from scipy import special

from ._checks import check_level


@dataclass(frozen=True)
class Trend:
    """``diff`` = now − before. Without both SEs there is no test: ``se``, ``ci_low``,
    ``ci_high``, ``p_value`` and ``clear`` are None (never an SE taken as 0)."""

    diff: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    clear: bool | None
    level: float


def trend_test(now, se_now, before, se_before, level=0.95):
    """Two-sided z test of a change between two independent estimates at confidence ``level``
    (the campaign's): SE = √(SE_now² + SE_before²), interval diff ± z_{1−α/2}·SE; ``clear`` when
    the interval excludes 0 (p < 1 − level)."""
    level = check_level(level)
    diff = float(now) - float(before)
    ses = (se_now, se_before)
    if any(s is None or not math.isfinite(float(s)) or float(s) < 0 for s in ses):
        return Trend(diff, None, None, None, None, None, level)
    se = math.hypot(float(se_now), float(se_before))
    z = float(special.ndtri(0.5 + level / 2))
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
    else:
        p = float(2 * special.ndtr(-abs(diff) / se))
    return Trend(diff, se, diff - z * se, diff + z * se, p, p < 1 - level, level)
