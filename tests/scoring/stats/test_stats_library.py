"""Effective sizes, the trend test, secondary suppression and simultaneous rank intervals, each
against an independent computation (scipy's distributions, an equivalent formula, simulation)."""
import numpy as np
import pytest
from scipy import stats

from scoring.stats import (
    StatsError,
    kish_ess,
    pooled_ess,
    rank_intervals,
    simultaneous_rank_intervals,
    suppress_cells,
    trend_test,
)

# --- effective sizes --------------------------------------------------------------------------


def test_kish_ess_is_n_over_one_plus_the_squared_cv_of_the_weights():
    rng = np.random.default_rng(3)
    w = rng.lognormal(1, 0.6, 500)
    cv2 = np.var(w) / np.mean(w) ** 2           # Kish's n / (1 + cv²), population variance
    assert kish_ess(w) == pytest.approx(500 / (1 + cv2), rel=1e-12)
    assert kish_ess(np.full(40, 3.7)) == pytest.approx(40)


def test_kish_ess_per_domain_from_cells_equals_the_respondent_level_one():
    w_cell, n_cell = np.array([2.0, 5.0, 11.0]), np.array([[3, 0], [4, 2], [1, 5]], float)
    per_respondent = [np.repeat(w_cell, n_cell[:, d].astype(int)) for d in range(2)]
    assert kish_ess(w_cell, n_cell) == pytest.approx([kish_ess(r) for r in per_respondent], rel=1e-12)


def test_pooled_ess_is_the_srs_size_with_the_composites_variance():
    """Var of Σ a_g ȳ_g with unit variance σ² is σ² Σ a_g²/n_g: simulate it."""
    rng = np.random.default_rng(8)
    sizes, weights = [40, 400], [0.5, 0.5]
    draws = sum(a * rng.standard_normal((200_000, n)).mean(axis=1) if n < 100 else
                a * rng.standard_normal(200_000) / np.sqrt(n) for a, n in zip(weights, sizes, strict=True))
    assert pooled_ess(sizes, weights) == pytest.approx(1 / np.var(draws), rel=0.02)
    assert pooled_ess([None, 120.0], [0.3, 0.7]) == pytest.approx(120.0)
    with pytest.raises(StatsError):
        pooled_ess([10.0], [1.0, 2.0])


# --- trend ------------------------------------------------------------------------------------


def test_trend_interval_and_p_value_match_scipy_at_the_campaigns_level():
    t = trend_test(82.4, 1.1, 79.0, 1.6, level=0.9)
    se = np.sqrt(1.1**2 + 1.6**2)
    z = stats.norm.ppf(0.95)
    assert (t.diff, t.se) == pytest.approx((3.4, se))
    assert (t.ci_low, t.ci_high) == pytest.approx((3.4 - z * se, 3.4 + z * se))
    assert t.p_value == pytest.approx(2 * stats.norm.sf(3.4 / se))
    assert t.clear is True and t.level == 0.9
    assert trend_test(82.4, 1.1, 79.0, 1.6, level=0.99).clear is False   # 2.8 < z_0.995 · se


def test_trend_without_an_se_is_no_test_not_an_se_of_zero():
    for missing in (None, float("nan")):
        t = trend_test(85.0, 1.0, 70.0, missing)
        assert t.diff == 15.0 and (t.se, t.ci_low, t.ci_high, t.p_value, t.clear) == (None,) * 5


# --- suppression ------------------------------------------------------------------------------


def test_a_small_cell_is_hidden_and_so_is_the_smallest_other_cell_of_its_row():
    counts = [[120, 7, 45, 60],     # 7 < 10: hidden; the total would reveal it, so 45 goes too
              [80, 3, 4, 90],       # two small cells: each hidden, the total reveals only their sum
              [50, 0, 30, 12]]      # nothing small (0 is an empty cell, shown)
    hidden = suppress_cells(counts, 10)
    assert hidden.tolist() == [[False, True, True, False], [False, True, True, False], [False, False, False, False]]
    without_totals = suppress_cells(counts, 10, totals_shown=False)
    assert without_totals.tolist()[0] == [False, True, False, False]


def test_secondary_suppression_really_protects_the_cell():
    """Control: with only the primary cell hidden, total − shown cells gives it back exactly."""
    row = np.array([120, 7, 45, 60])
    primary = suppress_cells([row], 10, totals_shown=False)[0]
    assert row.sum() - row[~primary].sum() == 7
    both = suppress_cells([row], 10)[0]
    assert row.sum() - row[~both].sum() == 7 + 45   # only the sum of two hidden cells


# --- simultaneous rank intervals ------------------------------------------------------------


def test_first_step_critical_value_is_the_studentized_range_for_equal_ses():
    """With equal SEs and equal estimates nothing is decided, the intervals are [1, p], and the
    critical value of max_{j,k}(Z_j − Z_k)/(σ√2) is Tukey's studentized range quantile / √2."""
    p, se = 8, 1.3
    r = simultaneous_rank_intervals(np.zeros(p), np.full(p, se), seed=4, draws=20000)
    assert (r.low.tolist(), r.high.tolist()) == ([1] * p, [p] * p)
    q = stats.studentized_range.ppf(0.95, p, np.inf) / np.sqrt(2)
    # Two units q·σ√2 apart (plus a hair) are just decided; a hair less, they are not.
    gap = q * se * np.sqrt(2)
    far = simultaneous_rank_intervals(np.r_[gap * 1.02, np.zeros(p - 1)], np.full(p, se), seed=4, draws=20000)
    near = simultaneous_rank_intervals(np.r_[gap * 0.98, np.zeros(p - 1)], np.full(p, se), seed=4, draws=20000)
    assert far.low[0] == 1 and far.high[0] == 1
    assert near.high[0] > 1


def test_simultaneous_intervals_cover_all_true_ranks_at_once_in_repeated_samples():
    rng = np.random.default_rng(11)
    theta = np.linspace(60, 90, 12)
    ses = rng.uniform(1, 4, 12)
    true_rank = stats.rankdata(-theta, method="min")
    joint, marginal_joint = 0, 0
    trials = 300
    for i in range(trials):
        x = theta + ses * rng.standard_normal(12)
        s = simultaneous_rank_intervals(x, ses, seed=i, draws=1000)
        m = rank_intervals(x, ses, seed=i, draws=1000)
        joint += np.all((s.low <= true_rank) & (true_rank <= s.high))
        marginal_joint += np.all((m.low <= true_rank) & (true_rank <= m.high))
    assert joint / trials >= 0.93           # ≥ 95% up to simulation noise (binomial sd ≈ 1.3%)
    assert marginal_joint / trials < joint / trials   # the marginal ones are not joint sets


def test_simultaneous_clear_leader_and_validation():
    r = simultaneous_rank_intervals([99.0, 70, 71, 69.5, 60], [0.01, 2, 2, 2, 0.01], seed=1)
    assert (r.rank[0], r.low[0], r.high[0]) == (1, 1, 1)
    assert (r.low[4], r.high[4]) == (5, 5)
    with pytest.raises(StatsError):
        simultaneous_rank_intervals([1.0, np.nan], [1.0, 1.0], seed=0)
