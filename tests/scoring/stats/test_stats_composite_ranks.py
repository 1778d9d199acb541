"""composite / composite_many and rank_intervals against independent computations."""
import numpy as np
import pytest
from scipy import stats

from scoring.stats import Estimate, StatsError, composite, composite_many, rank_intervals


def _est(value, se, n=100, ess=80.0):
    return Estimate(value, se, value - 1.96 * se, value + 1.96 * se, n, ess, 0.95)


def test_composite_is_the_weighted_mean_with_independent_variances():
    groups = [_est(82.0, 1.5), _est(75.0, 2.5, n=40, ess=30.0), _est(90.0, 0.8)]
    weights = [0.5, 0.3, 0.2]
    c = composite(groups, weights, level=0.9)
    assert c.value == pytest.approx(0.5 * 82 + 0.3 * 75 + 0.2 * 90)
    var = 0.25 * 1.5**2 + 0.09 * 2.5**2 + 0.04 * 0.8**2
    assert c.se == pytest.approx(np.sqrt(var))
    half = stats.norm.ppf(0.95) * np.sqrt(var)
    assert (c.ci_low, c.ci_high) == pytest.approx((c.value - half, c.value + half))
    assert (c.n, c.ess, c.level, c.method) == (240, 190.0, 0.9, "normal")


def test_composite_renormalises_over_the_groups_present():
    c = composite([_est(80.0, 2.0), None, _est(60.0, 1.0)], [0.5, 0.3, 0.2])
    assert c.value == pytest.approx((0.5 * 80 + 0.2 * 60) / 0.7)
    assert c.se == pytest.approx(np.sqrt((0.5 / 0.7) ** 2 * 4 + (0.2 / 0.7) ** 2 * 1))


def test_composite_refusals():
    with pytest.raises(StatsError, match="no group"):
        composite([None, None], [1, 1])
    with pytest.raises(StatsError, match="weights"):
        composite([_est(1.0, 1.0)], [1, 2])
    with pytest.raises(StatsError, match="positive"):
        composite([_est(1.0, 1.0)], [0])


def test_composite_many_equals_composite():
    rng = np.random.default_rng(5)
    values = rng.uniform(50, 95, (3, 40))
    ses = rng.uniform(0.5, 4, (3, 40))
    values[rng.random((3, 40)) < 0.3] = np.nan
    values[:, 0] = np.nan  # a unit nobody rates
    weights = np.array([0.5, 0.3, 0.2])
    value, se, low, high = composite_many(values, ses, weights, level=0.95)
    assert np.isnan(value[0]) and np.isnan(se[0])
    for u in range(1, 40):
        groups = [None if np.isnan(values[g, u]) else _est(values[g, u], ses[g, u]) for g in range(3)]
        if all(g is None for g in groups):
            assert np.isnan(value[u])
            continue
        c = composite(groups, weights)
        assert (value[u], se[u], low[u], high[u]) == pytest.approx((c.value, c.se, c.ci_low, c.ci_high))


def test_rank_interval_of_a_clear_leader_is_one():
    r = rank_intervals([99.0, 70, 71, 69.5, 60], [0.01, 2, 2, 2, 0.01], seed=1)
    assert (r.rank[0], r.low[0], r.high[0]) == (1, 1, 1)
    assert (r.rank[4], r.low[4], r.high[4]) == (5, 5, 5)
    # the three close units share the ranks 2..4
    for u in (1, 2, 3):
        assert r.low[u] == 2 and r.high[u] == 4
    assert r.rank.tolist() == [1, 3, 2, 4, 5]


def test_rank_intervals_are_deterministic_for_a_seed_and_vary_with_it():
    values, ses = np.linspace(60, 90, 30), np.full(30, 3.0)
    a = rank_intervals(values, ses, seed=42)
    b = rank_intervals(values, ses, seed=42)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("rank", "low", "high"))
    c = rank_intervals(values, ses, seed=43, draws=50)
    assert not (np.array_equal(a.low, c.low) and np.array_equal(a.high, c.high))


def test_rank_intervals_equal_a_plain_loop():
    """Independent computation: the same draws, ranked one draw at a time with argsort."""
    rng = np.random.default_rng(9)
    values, ses = rng.uniform(60, 90, 12), rng.uniform(0.5, 5, 12)
    r = rank_intervals(values, ses, seed=7, draws=500, level=0.9)
    draws = np.random.default_rng(7).standard_normal((500, 12))
    ranks = np.empty((500, 12), int)
    for i in range(500):
        order = np.argsort(-(values + ses * draws[i]))
        ranks[i, order] = np.arange(1, 13)
    for u in range(12):
        sorted_ranks = np.sort(ranks[:, u])
        # inverted-CDF quantile q: the smallest rank whose empirical CDF reaches q
        assert r.low[u] == sorted_ranks[int(np.ceil(0.05 * 500)) - 1]
        assert r.high[u] == sorted_ranks[int(np.ceil(0.95 * 500)) - 1]
        assert 1 <= r.low[u] <= r.high[u] <= 12
    assert r.rank.tolist() == (np.argsort(np.argsort(-values)) + 1).tolist()


def test_point_rank_ties():
    values, ses = [80.0, 90, 80, 70], [1.0, 1, 1, 1]
    assert rank_intervals(values, ses, seed=0).rank.tolist() == [2, 1, 2, 4]
    assert rank_intervals(values, ses, seed=0, ties="ordinal").rank.tolist() == [2, 1, 3, 4]
    exact = rank_intervals([80.0, 80.0], [0.0, 0.0], seed=0)
    assert exact.low.tolist() == exact.high.tolist() == [1, 1]


def test_rank_interval_refusals():
    with pytest.raises(StatsError, match="finite"):
        rank_intervals([1.0, np.nan], [1.0, 1.0], seed=0)
    with pytest.raises(StatsError, match="ses"):
        rank_intervals([1.0, 2.0], [1.0, -1.0], seed=0)
    with pytest.raises(StatsError, match="same"):
        rank_intervals([1.0, 2.0], [1.0], seed=0)
    with pytest.raises(StatsError, match="ties"):
        rank_intervals([1.0], [1.0], seed=0, ties="max")
