"""A ballot's score for a unit: the weighted mean of its graded answers for that unit.

Pure functions, shared by ballot casting, paper imports and the demo seeder, so that every
channel computes the stored score the same way.
"""
from collections.abc import Iterable


def scale_score(value: float, minimum: int, maximum: int) -> float:
    """A scale answer on 0–100: the minimum maps to 0, the maximum to 100."""
    return (value - minimum) * 100.0 / (maximum - minimum)


def weighted_unit_score(answers: Iterable[tuple[float, float]]) -> float | None:
    """Σ wᵢ sᵢ / Σ wᵢ over the (weight, score) pairs of the answered questions.

    Unanswered optional questions drop out and the weights of the rest are renormalised, so a
    ballot that only gave the overall grade scores that grade. None when nothing weighted was
    answered: the ballot did not rate the unit.
    """
    pairs = [(weight, score) for weight, score in answers if weight > 0]
    if not pairs:
        return None
    mean = sum(w * s for w, s in pairs) / sum(w for w, _ in pairs)
    # A weighted mean lies between its smallest and largest value; floating-point rounding
    # can step one ulp outside (e.g. 100.00000000000001), which the 0–100 constraint refuses.
    scores = [s for _, s in pairs]
    return min(max(mean, min(scores)), max(scores))
