"""The cell-sum path (CellTable, domain_*) gives the respondent-level results.

Generated data: strata with fpc (one a census), calibration variables that cut across strata,
optional clusters, and many overlapping domains ("ballots that rated unit u"). The respondents are
aggregated into cells exactly as the database would (GROUP BY stratum, [PSU,] district, age, sex),
and every domain's estimate, SE, interval, n, ess and df must equal the respondent-level one.
Both paths do the same arithmetic in a different order, including R's ten raking sweeps, so the
tolerance is 1e-9 relative for every design (observed: ~1e-14).
"""
import time

import numpy as np
import pytest

from scoring.stats import (
    CellTable,
    Design,
    StatsError,
    domain_means,
    domain_proportions,
    domain_totals,
    mean,
    proportion,
    total,
)

RTOL = 1e-9
POP = {"S1": 60000, "S2": 25000, "S3": 4000, "S4": 80}  # S4: a census (fpc = n_h)
TAKE = {"S1": 1500, "S2": 900, "S3": 500, "S4": 80}
DISTRICTS = {"D1": 0.3, "D2": 0.25, "D3": 0.2, "D4": 0.15, "D5": 0.1}
AGES = {"A1": 0.3, "A2": 0.35, "A3": 0.2, "A4": 0.15}
SEXES = {"F": 0.51, "M": 0.49}
UNITS = 25


def _totals(shares, total_pop):
    return {k: v * total_pop for k, v in shares.items()}


def _sample(seed=7, clustered=False):
    rng = np.random.default_rng(seed)
    strata = np.repeat(list(TAKE), list(TAKE.values()))
    n = strata.size
    data = {
        "stratum": strata,
        "fpc": np.array([POP[s] for s in strata], float),
        "district": rng.choice(list(DISTRICTS), n, p=[.4, .2, .2, .1, .1]),
        "age": rng.choice(list(AGES), n),
        "sex": rng.choice(list(SEXES), n),
        "w": np.exp(rng.normal(3, .5, n)).round(2),
    }
    if clustered:
        # 10 PSUs per stratum (S4: 4); fpc = number of population clusters; weight per PSU
        n_psu = {"S1": 10, "S2": 10, "S3": 10, "S4": 4}
        data["psu"] = np.array([f"{s}-{rng.integers(n_psu[s])}" for s in strata])
        data["fpc"] = np.array([{"S1": 200, "S2": 90, "S3": 30, "S4": 4}[s] for s in strata], float)
        psu_w = {p: w for p, w in zip(np.unique(data["psu"]), np.exp(rng.normal(4, .4, 64)), strict=False)}  # ≤ 64 PSUs drawn
        data["w"] = np.array([psu_w[p] for p in data["psu"]])
    data["rated"] = rng.random((n, UNITS)) < rng.uniform(0.02, 0.4, UNITS)
    data["rated"][:, -1] = data["stratum"] == "S4"  # a domain inside the census stratum
    latent = rng.normal(70, 18, (n, UNITS)) + 4 * (data["district"] == "D1")[:, None]
    data["score"] = np.clip(np.round(latent / 20) * 20, 0, 100)
    # a small unit everybody rates 100: p̂ = 1, the boundary rule of both paths
    data["rated"][:, -2] = rng.random(n) < 0.004
    data["score"][:, -2] = 100
    return data


def _cells(data, keys):
    """GROUP BY keys: the cell table's key columns, n, and (K × U) domain sums."""
    joined = np.array(["|".join(row) for row in zip(*(data[k].astype(str) for k in keys), strict=True)])
    _, first, idx = np.unique(joined, return_index=True, return_inverse=True)
    k = first.size
    rated, score = data["rated"], data["score"]

    def by_cell(values):
        out = np.zeros((k, values.shape[1]))
        np.add.at(out, idx, values)
        return out
    return {
        "first": first, "idx": idx, "n": np.bincount(idx, minlength=k),
        "n_d": by_cell(rated * 1.0), "sum_y": by_cell(rated * score),
        "sum_y2": by_cell(rated * score**2), "n_yes": by_cell(rated * (score >= 80)),
    }


def _designs(data, clustered):
    """Pairs (respondent-level Design, CellTable) for each design family."""
    keys = ["stratum", "district", "age", "sex"] + (["psu"] if clustered else [])
    c = _cells(data, keys)
    at = lambda col: data[col][c["first"]]  # noqa: E731 - a cell's key value
    psu = data.get("psu")
    base = {
        "strat_fpc": (Design(strata=data["stratum"], fpc=data["fpc"], clusters=psu,
                             weights=data["w"] if clustered else None),
                      CellTable(c["n"], at("stratum"), at("fpc"), at("w") if clustered else None,
                                at("psu") if clustered else None)),
    }
    if not clustered:
        # base weights constant within strata but not N_h/n_h, without fpc
        w_h = np.array([{"S1": 35.5, "S2": 20.1, "S3": 9.3, "S4": 1.0}[s] for s in data["stratum"]])
        strat_w = (Design(weights=w_h, strata=data["stratum"]),
                   CellTable(c["n"], at("stratum"), weights=w_h[c["first"]]))
        base["srs"] = (Design(weights=np.ones(len(w_h))), CellTable(c["n"]))
        base["strat_weights"] = strat_w
        district_pop = _totals(DISTRICTS, float(np.sum(w_h)))
        base["strat_weights_post"] = (strat_w[0].poststratify(data["district"], district_pop),
                                      strat_w[1].poststratify(at("district"), district_pop))
    total_pop = float(np.sum(base["strat_fpc"][0].weights))
    margins = {"district": DISTRICTS, "age": AGES, "sex": SEXES}
    resp_m = {m: (data[m], _totals(s, total_pop)) for m, s in margins.items()}
    cell_m = {m: (at(m), _totals(s, total_pop)) for m, s in margins.items()}
    d, t = base["strat_fpc"]
    out = dict(base)
    out["post"] = (d.poststratify(data["district"], resp_m["district"][1]),
                   t.poststratify(at("district"), cell_m["district"][1]))
    out["rake_calibrate"] = (d.rake(resp_m), t.rake(cell_m))
    out["rake_sweeps"] = (d.rake(resp_m, variance="rake"), t.rake(cell_m, variance="rake"))
    return out, c


def _compare(resp_design, table, cells, data, level=0.95):
    means = domain_means(table, cells["n_d"], cells["sum_y"], cells["sum_y2"], level)
    totals = domain_totals(table, cells["n_d"], cells["sum_y"], cells["sum_y2"], level)
    props = {m: domain_proportions(table, cells["n_d"], cells["n_yes"], level, m) for m in ("logit", "beta")}
    for u in range(UNITS):
        dom, y = data["rated"][:, u], data["score"][:, u]
        pairs = [(means[u], mean(y, resp_design, dom, level)), (totals[u], total(y, resp_design, dom, level))]
        pairs += [(props[m][u], proportion(y >= 80, resp_design, dom, level, m)) for m in props]
        for ours, ref in pairs:
            assert ours.n == ref.n and ours.df == ref.df and ours.method == ref.method
            for field in ("value", "se", "ci_low", "ci_high", "ess"):
                a, b = getattr(ours, field), getattr(ref, field)
                assert a == pytest.approx(b, rel=RTOL, abs=1e-12 * max(1.0, abs(ref.value))), (u, field)


@pytest.mark.parametrize("clustered", [False, True], ids=["respondent-psus", "clusters"])
def test_cell_path_equals_respondent_path(clustered):
    data = _sample(clustered=clustered)
    designs, cells = _designs(data, clustered)
    assert len(designs) >= 4
    assert domain_proportions(designs["post"][1], cells["n_d"], cells["n_yes"]).value[-2] == 1.0
    for name, (resp_design, table) in designs.items():
        # the weights agree too (cell weight = weight of each of its respondents)
        np.testing.assert_allclose(table.weights[cells["idx"]], resp_design.weights, rtol=1e-12,
                                   err_msg=name)
        _compare(resp_design, table, cells, data, level=0.9 if name == "post" else 0.95)


def test_one_dimensional_inputs_are_one_domain():
    data = _sample()
    designs, cells = _designs(data, False)
    table = designs["post"][1]
    both = domain_means(table, cells["n_d"], cells["sum_y"], cells["sum_y2"])
    one = domain_means(table, cells["n_d"][:, 3], cells["sum_y"][:, 3], cells["sum_y2"][:, 3])
    assert len(one) == 1
    for field in ("value", "se", "ci_low", "ci_high", "ess"):
        assert getattr(one[0], field) == pytest.approx(getattr(both[3], field), rel=1e-13)


def test_wilson_on_unweighted_cells_matches_scipy():
    from scipy.stats import binomtest

    data = _sample()
    designs, cells = _designs(data, False)
    est = domain_proportions(designs["srs"][1], cells["n_d"], cells["n_yes"], 0.95, "wilson")
    for u in range(UNITS):
        k, n = int(cells["n_yes"][:, u].sum()), int(cells["n_d"][:, u].sum())
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert (est.ci_low[u], est.ci_high[u]) == pytest.approx((ci.low, ci.high), rel=1e-12)
    with pytest.raises(StatsError, match="Wilson"):
        domain_proportions(designs["strat_fpc"][1], cells["n_d"], cells["n_yes"], method="wilson")


def test_empty_domain_gives_nan_not_an_error():
    table = CellTable([3, 4], stratum=["a", "b"])
    est = domain_means(table, [[1, 0], [2, 0]], [[5, 0], [9, 0]], [[25, 0], [41, 0]])
    assert est.n.tolist() == [3, 0]
    assert np.isfinite(est.value[0]) and np.isnan(est.value[1])


def test_cell_table_refusals():
    with pytest.raises(StatsError, match="n must be whole numbers"):
        CellTable([3, 0])
    with pytest.raises(StatsError, match="one PSU"):
        CellTable([3, 1], stratum=["a", "b"])
    table = CellTable([3, 4], stratum=["a", "a"], fpc=[100, 100])
    with pytest.raises(StatsError, match="between 0 and the cell's n"):
        domain_means(table, [4, 1], [1, 1], [1, 1])
    with pytest.raises(StatsError, match="sum_y2 is needed"):
        domain_means(table, [1, 1], [1, 1])
    with pytest.raises(StatsError, match="one row per cell"):
        domain_means(table, [1, 1, 1], [1, 1, 1], [1, 1, 1])
    post = table.poststratify(["x", "y"], {"x": 50, "y": 50})
    with pytest.raises(StatsError, match="one calibration"):
        post.poststratify(["x", "y"], {"x": 50, "y": 50})
    with pytest.raises(StatsError, match="no population total"):
        table.poststratify(["x", "z"], {"x": 50, "y": 50})


def test_many_domains_are_fast():
    """A city-scale group: ~3000 cells × 150 units (≈1e6 ballots) — vectorised, well under a second
    on a laptop; the bound here is loose so that slow CI machines do not flake."""
    rng = np.random.default_rng(1)
    strata, districts, ages, sexes = 10, 12, 6, 2
    grid = np.stack(np.meshgrid(np.arange(strata), np.arange(districts), np.arange(ages),
                                np.arange(sexes), indexing="ij"), -1).reshape(-1, 4)
    k = grid.shape[0]
    n = rng.integers(50, 700, k).astype(float)
    fpc = np.full(k, 5e6)
    table = CellTable(n, grid[:, 0], fpc)
    total_pop = float(np.sum(n * table.weights))
    margins = {name: (grid[:, j], {lv: total_pop / size for lv in range(size)})
               for j, (name, size) in enumerate([("district", districts), ("age", ages), ("sex", sexes)], 1)}
    n_d = np.floor(n[:, None] * rng.uniform(0.01, 0.3, (k, 150)))
    sum_y = n_d * rng.uniform(60, 90, (k, 150))
    sum_y2 = sum_y**2 / np.maximum(n_d, 1) + n_d * 100
    start = time.perf_counter()
    raked = table.rake(margins)
    est = domain_means(raked, n_d, sum_y, sum_y2)
    sat = domain_proportions(raked, n_d, np.floor(n_d * 0.7))
    elapsed = time.perf_counter() - start
    assert len(est) == 150 and np.all(np.isfinite(est.se)) and np.all(np.isfinite(sat.ci_low))
    assert elapsed < 10, elapsed


def test_clustered_tables_need_first_order_sums_only():
    data = _sample(clustered=True)
    designs, cells = _designs(data, True)
    table = designs["rake_calibrate"][1]
    with_sq = domain_means(table, cells["n_d"], cells["sum_y"], cells["sum_y2"])
    without = domain_means(table, cells["n_d"], cells["sum_y"])
    np.testing.assert_array_equal(with_sq.se, without.se)


def test_the_library_imports_only_numpy_and_scipy():
    """scoring/stats must stay free of Django (and anything else heavy)."""
    import ast
    from pathlib import Path

    import scoring.stats

    allowed = {"numpy", "scipy", "math", "dataclasses", "typing", "functools"}
    for path in Path(scoring.stats.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            assert {n.split(".")[0] for n in names} <= allowed, (path.name, names)
