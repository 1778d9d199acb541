"""A ballot's score for a unit: the weighted mean of the graded answers it gave."""
import pytest

from surveys.scores import scale_score, weighted_unit_score


def test_weighted_mean_of_the_answered_questions():
    # overall 0.5 × 80, two dimensions 0.1 × 100 and 0.1 × 40 → (40 + 10 + 4) / 0.7
    assert weighted_unit_score([(0.5, 80), (0.1, 100), (0.1, 40)]) == pytest.approx(54 / 0.7)


def test_unanswered_questions_drop_out_and_weights_renormalise():
    assert weighted_unit_score([(0.5, 60)]) == 60


def test_zero_weight_questions_do_not_count():
    assert weighted_unit_score([(0.5, 60), (0, 0)]) == 60


def test_nothing_weighted_means_the_unit_was_not_rated():
    assert weighted_unit_score([]) is None
    assert weighted_unit_score([(0, 100)]) is None


def test_all_top_grades_score_exactly_100_despite_rounding():
    assert weighted_unit_score([(0.5, 100.0)] + [(0.1, 100.0)] * 5) == 100.0


def test_scale_answers_map_onto_0_to_100():
    assert [scale_score(v, 0, 10) for v in (0, 5, 10)] == [0, 50, 100]
    assert scale_score(3, 1, 5) == 50
