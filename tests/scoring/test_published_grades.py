"""Grades agree with the number the public sees (issue 14): decided on the printed score."""
import pytest

from scoring.compute import _published_grade, published
from scoring.results import UnitResult
from surveys.grades import grade_for
from surveys.models import default_grade_bands

BANDS = default_grade_bands()


def _entry(score, half_width=1.0):
    return {"score": score, "ci_low": score - half_width, "ci_high": score + half_width}


def test_units_printed_at_the_same_score_get_the_same_grade():
    """The issue's three street offices: unrounded 79.96, 80.04 and 79.95 all print as 80.0."""
    scores = [79.96, 80.04, 79.95]
    assert {f"{grade_for(s, BANDS)}" for s in scores} == {"比较满意", "基本满意"}   # the old, raw-score grading
    shown = [_published_grade(_entry(s, 0.01), BANDS, graded=True) for s in scores]
    assert {s["published"]["score"] for s in shown} == {80.0}
    assert {s["grade"] for s in shown} == {"比较满意"}


@pytest.mark.parametrize("value,printed", [
    (79.25, 79.3),        # exactly representable: half up (Python's "%.1f" would give 79.2, half even)
    (80.05, 80.0),        # stored as 80.04999999999999715…: below the half, as computed
    (59.95, 60.0),        # stored as 59.95000000000000284…: above it
    (79.24999999, 79.2), (100.0, 100.0),
])
def test_rounding_is_half_up_on_the_computed_value(value, printed):
    assert published(value) == printed
    assert published(None) is None


def is_borderline(shown: dict) -> bool:
    return UnitResult.from_json(shown).borderline


def test_an_interval_across_a_band_boundary_is_borderline_with_the_band_range():
    shown = _published_grade(_entry(81.0, 2.0), BANDS, graded=True)
    assert (shown["grade"], shown["grade_low"], shown["grade_high"]) == ("比较满意", "基本满意", "比较满意")
    assert is_borderline(shown)
    inside = _published_grade(_entry(85.0, 2.0), BANDS, graded=True)
    assert not is_borderline(inside) and inside["grade_low"] == inside["grade_high"] == "比较满意"
    suppressed = _published_grade(_entry(85.0), BANDS, graded=False)
    assert suppressed["grade"] is None and not is_borderline(suppressed)
