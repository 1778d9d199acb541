"""Refusals, boundary rules and small properties of the respondent-level API."""
import dataclasses

import numpy as np
import pytest
from scipy import stats

from scoring.stats import Design, Estimate, SinglePSUError, StatsError, mean, proportion, total


def _strat():
    strata = np.repeat(["a", "b", "c"], [4, 5, 3])
    y = np.array([3., 5, 4, 8, 1, 2, 2, 3, 9, 7, 7, 6])
    return Design(strata=strata, fpc=np.repeat([40., 25, 3], [4, 5, 3])), y, strata


def test_stats_error_is_a_value_error():
    assert issubclass(StatsError, ValueError) and issubclass(SinglePSUError, StatsError)


@pytest.mark.parametrize("kwargs", [
    {"weights": [1, 2, 3], "strata": ["a", "b"]},
    {"weights": [1, 2], "fpc": [10, 10, 10]},
    {"strata": ["a", "a"], "clusters": [1, 2, 3]},
])
def test_mismatched_lengths(kwargs):
    with pytest.raises(StatsError, match="different lengths"):
        Design(**kwargs)


def test_y_of_the_wrong_length():
    d, y, _ = _strat()
    with pytest.raises(StatsError, match="expected 12"):
        mean(y[:-1], d)


def test_nan_in_y_is_refused_inside_the_domain_only():
    d, y, strata = _strat()
    y = y.copy()
    y[0] = np.nan
    with pytest.raises(StatsError, match="NaN"):
        mean(y, d)
    with pytest.raises(StatsError, match="NaN"):
        mean(y, d, domain=strata == "a")
    outside = mean(y, d, domain=strata != "a")  # y outside the domain is ignored
    assert outside.value == pytest.approx(mean(np.nan_to_num(y), d, domain=strata != "a").value)


@pytest.mark.parametrize("bad", [-1.0, 0.0, np.nan])
def test_weights_must_be_positive(bad):
    with pytest.raises(StatsError, match="weights"):
        Design(weights=[1.0, 2.0, bad])


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, "0.95", None])
def test_level_outside_zero_one(level):
    d, y, _ = _strat()
    with pytest.raises(StatsError, match="level"):
        mean(y, d, level=level)
    with pytest.raises(StatsError, match="level"):
        proportion(y > 4, d, level=level)


def test_single_psu_stratum_is_named():
    with pytest.raises(SinglePSUError, match="'lonely'"):
        Design(strata=["x", "x", "lonely"], weights=[1, 1, 1])
    with pytest.raises(SinglePSUError, match="'q'"):
        Design(strata=["p", "p", "q", "q"], clusters=[1, 2, 3, 3], weights=[1, 1, 1, 1])


def test_certainty_stratum_with_one_psu_is_fine():
    """fpc = n_h = 1: the stratum is enumerated, it contributes no variance (as in R)."""
    d = Design(strata=["x", "x", "x", "c"], fpc=[30, 30, 30, 1])
    e = mean([1.0, 2.0, 4.0, 10.0], d)
    assert e.se > 0
    assert d.weights.tolist() == [10, 10, 10, 1]


def test_fpc_checks():
    with pytest.raises(StatsError, match="constant within each stratum"):
        Design(strata=["a", "a", "b", "b"], fpc=[10, 11, 5, 5])
    with pytest.raises(StatsError, match="not a sampling fraction"):
        Design(strata=["a", "a", "b", "b"], fpc=[0.1, 0.1, 0.5, 0.5])


def test_weights_from_fpc_and_default_weights():
    d = Design(strata=["a", "a", "b"], fpc=[10, 10, 1])
    assert d.weights.tolist() == [5, 5, 1]
    clus = Design(clusters=[1, 1, 2, 3, 3], fpc=[12] * 5)  # 3 sampled of 12 clusters
    assert clus.weights.tolist() == [4] * 5
    assert Design(strata=["a", "a"]).weights.tolist() == [1, 1]


def test_values_are_immutable():
    d, y, _ = _strat()
    e = mean(y, d)
    assert isinstance(e, Estimate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.value = 0
    with pytest.raises(ValueError):
        d.weights[0] = 1.0
    post = d.poststratify(["u", "v"] * 6, {"u": 34, "v": 34})
    assert post is not d and d.weights[0] == 10  # the original design is untouched


def test_domain_checks():
    d, y, strata = _strat()
    with pytest.raises(StatsError, match="no respondents"):
        mean(y, d, domain=np.zeros(12, bool))
    with pytest.raises(StatsError, match="boolean mask"):
        mean(y, d, domain=np.arange(12))
    e = mean(y, d, domain=strata == "b")
    assert e.n == 5


def test_kish_effective_sample_size():
    w = np.array([1.0, 2, 2, 5])
    e = total(np.ones(4), Design(weights=w))
    assert e.ess == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_poststratify_refusals():
    d, y, _ = _strat()
    cells = np.array(["u", "v"] * 6)
    with pytest.raises(StatsError, match=r"\['w'\] have a population total but no respondents"):
        d.poststratify(cells, {"u": 30, "v": 30, "w": 8})
    with pytest.raises(StatsError, match=r"\['v'\] have no population total"):
        d.poststratify(cells, {"u": 68})
    with pytest.raises(StatsError, match="dict"):
        d.poststratify(cells, [30, 38])
    # a level with population 0 and no respondents is ignored, as R does
    assert d.poststratify(cells, {"u": 30, "v": 38, "w": 0}).weights.sum() == pytest.approx(68)


def _rake_data():
    district = np.array(["D1", "D1", "D2", "D2", "D1", "D2", "D1", "D2"])
    sex = np.array(["F", "M", "F", "M", "M", "F", "F", "M"])
    return Design(weights=np.full(8, 10.0)), district, sex


def test_rake_refusals():
    d, district, sex = _rake_data()
    with pytest.raises(StatsError, match="different grand totals"):
        d.rake({"district": (district, {"D1": 50, "D2": 50}), "sex": (sex, {"F": 50, "M": 60})})
    with pytest.raises(StatsError, match="no respondents"):
        d.rake({"district": (district, {"D1": 40, "D2": 40, "D3": 20}), "sex": (sex, {"F": 50, "M": 50})})
    with pytest.raises(StatsError, match=r"\['M'\] have no population total"):
        d.rake({"district": (district, {"D1": 50, "D2": 50}), "sex": (sex, {"F": 100})})
    with pytest.raises(StatsError, match="variance must be"):
        d.rake({"sex": (sex, {"F": 50, "M": 50})}, variance="exact")


def test_rake_non_convergence():
    """Respondents only in (D1, F) and (D2, M): the district and sex totals cannot both hold."""
    d = Design(weights=np.ones(4))
    district, sex = np.array(["D1", "D1", "D2", "D2"]), np.array(["F", "F", "M", "M"])
    with pytest.raises(StatsError, match="did not converge"):
        d.rake({"district": (district, {"D1": 60, "D2": 40}), "sex": (sex, {"F": 40, "M": 60})})


def test_rake_converges_to_the_margins():
    d, district, sex = _rake_data()
    r = d.rake({"district": (district, {"D1": 55, "D2": 45}), "sex": (sex, {"F": 48, "M": 52})})
    w = r.weights
    assert w[district == "D1"].sum() == pytest.approx(55, rel=1e-10)
    assert w[sex == "F"].sum() == pytest.approx(48, rel=1e-10)


def test_proportion_needs_flags():
    d, y, _ = _strat()
    with pytest.raises(StatsError, match="0/1"):
        proportion(y, d)
    with pytest.raises(StatsError, match="method"):
        proportion(y > 4, d, method="exact")


def test_wilson_equals_scipy_on_a_simple_sample_and_is_refused_otherwise():
    rng = np.random.default_rng(3)
    flags = rng.random(57) < 0.3
    dom = rng.random(57) < 0.8
    srs = Design(weights=np.ones(57))
    for level in (0.95, 0.9):
        e = proportion(flags, srs, domain=dom, level=level, method="wilson")
        ci = stats.binomtest(int(flags[dom].sum()), int(dom.sum())).proportion_ci(level, method="wilson")
        assert (e.ci_low, e.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-13)
        assert e.method == "wilson" and e.df is None
    for design in (Design(weights=rng.uniform(1, 2, 57)), Design(strata=np.repeat(["a", "b"], [30, 27])),
                   Design(fpc=np.full(57, 1000.0)), srs.poststratify(flags, {True: 300, False: 700})):
        with pytest.raises(StatsError, match="Wilson"):
            proportion(flags, design, method="wilson")


def test_proportion_at_zero_and_one():
    """p̂ = 0 or 1: Korn–Graubard with n* = respondents × (t_{n-1}/t_df)² (R gives no interval)."""
    d, _, strata = _strat()
    ones = np.ones(12)
    for method in ("logit", "beta"):
        e = proportion(ones, d, domain=strata == "b", method=method)
        assert (e.value, e.se, e.ci_high) == (1.0, 0.0, 1.0)
        assert e.df == 4
        n_star = 5 * (stats.t.ppf(0.025, 4) / stats.t.ppf(0.025, 4)) ** 2
        assert e.ci_low == pytest.approx(0.025 ** (1 / n_star))
        z = proportion(1 - ones, d, method=method)
        n_star = 12 * (stats.t.ppf(0.025, 11) / stats.t.ppf(0.025, 9)) ** 2
        assert (z.value, z.ci_low) == (0.0, 0.0)
        assert z.ci_high == pytest.approx(1 - 0.025 ** (1 / n_star))


def test_census_has_no_interval_width():
    d = Design(strata=["a", "a", "b", "b"], fpc=[2, 2, 2, 2])
    for method in ("logit", "beta"):
        e = proportion([1, 0, 1, 1], d, method=method)
        assert e.se == 0 and e.ci_low == e.ci_high == e.value == 0.75
        assert proportion([1, 1, 1, 1], d, method=method).ci_low == 1.0


def test_domain_with_one_respondent_gets_the_interval_zero_to_one():
    """df = 1 PSU − 1 stratum = 0: R's qt(…, 0) is NaN, so nothing is known about the error; the
    honest interval is [0, 1], which still contains the estimate (issue 14)."""
    d, y, strata = _strat()
    dom = np.zeros(12, bool)
    dom[0] = True
    for method in ("logit", "beta"):
        e = proportion(y > 4, d, domain=dom, method=method)
        assert e.df == 0 and (e.ci_low, e.ci_high) == (0.0, 1.0)
        assert stats.t.ppf(0.975, 0) != stats.t.ppf(0.975, 0)  # the t quantile R and scipy give: NaN
