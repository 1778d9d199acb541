"""Shares at the edges (issue 14): intervals always contain their estimate, boundaries decided on
counts in the single-group and the composite path, checked against scipy's beta and t quantiles;
a hypothesis property test over random designs, group mixes and all-0 / all-1 domains."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from scoring.stats import CellTable, composite_proportions, domain_proportions

LEVEL = 0.95


def _group(flags_by_cell, strata=None, fpc=None, weights=None, rake=None):
    """One group with one domain: per cell, a list of 0/1 answers (every cell's respondents rate)."""
    n = np.array([len(f) for f in flags_by_cell], float)
    yes = np.array([sum(f) for f in flags_by_cell], float)
    table = CellTable(n, stratum=strata, fpc=fpc, weights=weights)
    if rake:
        table = table.rake(rake)
    return domain_proportions(table, n, yes, level=LEVEL)


def _compose(groups, weights):
    def stack(field):
        return np.array([[float(getattr(g, field)[0])] for g in groups])
    return composite_proportions(stack("value"), stack("se"), stack("df"), stack("k"), stack("n"),
                                 stack("fallback_n"), [g.census for g in groups], weights, level=LEVEL)


def test_composite_of_all_satisfied_groups_is_exactly_one_with_a_real_interval():
    """The bug of the issue: a weighted sum of shares of exactly 1 is not exactly 1 in floating
    point (here 0.6 + 0.3 + 0.1 = 0.9999999999999999), and the old path, comparing that float with
    1, gave a zero-width interval below its own estimate."""
    a = _group([[1] * 40, [1] * 25], strata=["x", "y"], fpc=[5000, 3000])
    b = _group([[1] * 30], fpc=[500])
    c_ = _group([[1] * 12])
    weights = [0.6, 0.3, 0.1]
    assert sum(w * float(g.value[0]) for w, g in zip(weights, (a, b, c_), strict=True)) < 1.0  # the float trap
    c = _compose([a, b, c_], weights)
    assert c.value[0] == 1.0 and c.ci_high[0] == 1.0 and c.method == ("beta-pooled",)
    # Pooled effective size 1/Σ a²/n*_g, each n*_g = n_g (t_{n-1}/t_df)², against scipy's t and beta.
    t = stats.t.ppf
    n_a = 65 * (t(0.025, 64) / t(0.025, 63)) ** 2
    n_b = 30 * (t(0.025, 29) / t(0.025, 29)) ** 2
    n_c = 12.0
    pooled = 1 / (0.6**2 / n_a + 0.3**2 / n_b + 0.1**2 / n_c)
    assert c.ci_low[0] == pytest.approx(stats.beta.ppf(0.025, pooled, 1), rel=1e-12)
    assert c.ci_low[0] < 1.0


def test_composite_of_two_groups_none_satisfied():
    a = _group([[0] * 12, [0] * 9], strata=["x", "y"])
    b = _group([[0] * 20])
    c = _compose([a, b], [0.5, 0.5])
    assert (c.value[0], c.ci_low[0]) == (0.0, 0.0) and 0 < c.ci_high[0] < 0.2


def test_one_group_composite_is_the_groups_own_interval():
    g = _group([[1, 0, 1, 1, 0, 1], [1, 1, 0, 1]], strata=["x", "y"], fpc=[100, 80])
    c = _compose([g], [2.0])
    assert (c.value[0], c.ci_low[0], c.ci_high[0]) == pytest.approx((g.value[0], g.ci_low[0], g.ci_high[0]),
                                                                    rel=1e-14)
    assert c.method == ("logit",)


def test_composite_interior_uses_satterthwaite_df():
    a = _group([[1, 0, 1, 1, 0, 1, 1, 1], [1, 1, 0, 1, 0]], strata=["x", "y"])
    b = _group([[0, 0, 1, 1, 0, 1, 0]])
    c = _compose([a, b], [0.6, 0.4])
    p = 0.6 * a.value[0] + 0.4 * b.value[0]
    va, vb = (0.6 * a.se[0]) ** 2, (0.4 * b.se[0]) ** 2
    df = (va + vb) ** 2 / (va**2 / a.df[0] + vb**2 / b.df[0])
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb) / (p * (1 - p))
    logit = np.log(p / (1 - p))
    expected = (1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half))))
    assert (c.ci_low[0], c.ci_high[0]) == pytest.approx(expected, rel=1e-12)


def test_share_with_zero_design_se_inside_zero_one_gets_a_width():
    """Stratum x all satisfied, stratum y none: the stratified SE is 0, but no census — the
    interval falls back to Korn–Graubard at the respondents and has a width."""
    g = _group([[1] * 10, [0] * 10], strata=["x", "y"])
    assert g.se[0] == 0 and 0 < g.value[0] < 1
    assert g.ci_low[0] < g.value[0] < g.ci_high[0]


def test_census_share_has_no_width():
    g = _group([[1, 1, 0], [1, 0]], strata=["x", "y"], fpc=[3, 2])
    assert g.ci_low[0] == g.ci_high[0] == g.value[0] == 0.6


# --- the property --------------------------------------------------------------------------------

cell_flags = st.lists(st.integers(0, 1), min_size=1, max_size=12)
mode = st.sampled_from(["mixed", "all1", "all0"])


@st.composite
def group_designs(draw):
    """A random group: 1–4 strata of 1–3 cells each, with or without fpc (sometimes a census),
    weights, raking on a two-level margin; flags mixed, all 1 or all 0."""
    how = draw(mode)
    n_strata = draw(st.integers(1, 4))
    cells, strata, fpc, weights, sex = [], [], [], [], []
    use_fpc = draw(st.sampled_from(["none", "fpc", "census"]))
    use_weights = draw(st.booleans()) and use_fpc == "none"
    for h in range(n_strata):
        n_cells = draw(st.integers(1, 3))
        stratum_cells = [draw(cell_flags) for _ in range(n_cells)]
        if how != "mixed":
            stratum_cells = [[1 if how == "all1" else 0] * len(c) for c in stratum_cells]
        size = sum(len(c) for c in stratum_cells)
        if size < 2:  # a lonely stratum needs the lonely-PSU rule; see test_stats_lonely_psu
            stratum_cells[0] = stratum_cells[0] + stratum_cells[0][:1]
            size += 1
        pop = size if use_fpc == "census" else size + draw(st.integers(1, 5000))
        for i, c in enumerate(stratum_cells):
            cells.append(c)
            strata.append(f"h{h}")
            fpc.append(pop)
            weights.append(draw(st.floats(0.5, 20)))
            sex.append("F" if i % 2 == 0 else "M")
    rake = None
    if draw(st.booleans()) and use_fpc != "census" and len(set(sex)) == 2:
        rake = {"sex": (sex, {"F": 1000.0, "M": 900.0})}
    return _group(cells, strata=strata, fpc=None if use_fpc == "none" else fpc,
                  weights=weights if use_weights else None, rake=rake), use_fpc == "census" and rake is None


def _check(value, low, high, census):
    assert 0.0 <= low <= value <= high <= 1.0
    if not census:
        assert high > low


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(group_designs(), min_size=1, max_size=3), st.lists(st.floats(0.05, 5), min_size=3, max_size=3))
def test_intervals_contain_their_estimate_and_have_width_unless_census(groups, weights):
    for g, census in groups:
        _check(g.value[0], g.ci_low[0], g.ci_high[0], census)
    c = _compose([g for g, _ in groups], weights[:len(groups)])
    _check(c.value[0], c.ci_low[0], c.ci_high[0], all(census for _, census in groups))
    k, n = sum(g.k[0] for g, _ in groups), sum(g.n[0] for g, _ in groups)
    if k == n:
        assert c.value[0] == 1.0
    if k == 0:
        assert c.value[0] == 0.0
