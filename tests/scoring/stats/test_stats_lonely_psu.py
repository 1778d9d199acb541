"""Strata with a single PSU under lonely_psu="adjust", against R's survey package with
options(survey.lonely.psu = "adjust") (data/reference_lonely.json, data/make_reference_lonely.R).

Both paths: respondent level (Design) and cell sums (CellTable, one cell per respondent here, so
the cells are the respondents' own rows and the PSU labels are kept)."""
import json

import numpy as np
import pytest

from scoring.stats import CellTable, Design, SinglePSUError, domain_means, domain_proportions, mean, proportion

from .stats_reference import DATA, table

REFERENCE = json.loads((DATA / "reference_lonely.json").read_text())["cases"]
MARGINS = {"sex": {"F": 6900, "M": 6801}, "age": {"old": 5000, "young": 8701}}


def _design(name, d, lonely_psu="adjust"):
    if name == "l_strat":
        return Design(strata=d["stratum"], fpc=d["fpc"], lonely_psu=lonely_psu)
    if name == "l_nofpc":
        return Design(strata=d["stratum"], weights=d["w"], lonely_psu=lonely_psu)
    if name == "l_clus":
        return Design(strata=d["stratum"], clusters=d["cluster"], weights=d["w"], lonely_psu=lonely_psu)
    base = _design("l_strat", d, lonely_psu)
    return base.rake({m: (d[m], MARGINS[m]) for m in MARGINS})


def _table(name, d):
    ones = np.ones(d["y"].size)
    if name == "l_strat":
        return CellTable(ones, d["stratum"], d["fpc"], lonely_psu="adjust")
    if name == "l_nofpc":
        return CellTable(ones, d["stratum"], weights=d["w"], lonely_psu="adjust")
    if name == "l_clus":
        return CellTable(ones, d["stratum"], weights=d["w"], psu=d["cluster"], lonely_psu="adjust")
    base = _table("l_strat", d)
    return base.rake({m: (d[m], MARGINS[m]) for m in MARGINS})


@pytest.mark.parametrize("case", REFERENCE, ids=[f"{c['design']}-{'domain' if c['domain'] else 'all'}"
                                                 for c in REFERENCE])
def test_lonely_strata_adjust_like_r(case):
    d = table("lonely")
    dom = (d["r"] == 1) if case["domain"] else np.ones(d["y"].size, bool)
    design = _design(case["design"], d)
    m = mean(d["y"], design, domain=dom)
    p = proportion((d["y"] >= 80).astype(float), design, domain=dom)
    assert m.value == pytest.approx(case["mean"], rel=1e-9)
    assert m.se == pytest.approx(case["mean_se"], rel=1e-8)
    assert (p.value, p.se) == pytest.approx((case["share"], case["share_se"]), rel=1e-7)
    assert (p.ci_low, p.ci_high) == pytest.approx((case["share_low"], case["share_high"]), rel=1e-7)
    assert p.df == case["df"]
    # The cell path gives the same numbers.
    t = _table(case["design"], d)
    n_d, y = dom * 1.0, np.where(dom, d["y"], 0.0)
    cm = domain_means(t, n_d, y, y * y)
    cp = domain_proportions(t, n_d, n_d * (d["y"] >= 80))
    assert (cm.value[0], cm.se[0]) == pytest.approx((case["mean"], case["mean_se"]), rel=1e-8)
    assert (cp.ci_low[0], cp.ci_high[0]) == pytest.approx((case["share_low"], case["share_high"]), rel=1e-7)


def test_lonely_stratum_fails_by_default_like_r():
    d = table("lonely")
    with pytest.raises(SinglePSUError, match="'B'"):
        Design(strata=d["stratum"], fpc=d["fpc"])
    with pytest.raises(SinglePSUError, match="'B'"):
        CellTable(np.ones(d["y"].size), d["stratum"], d["fpc"])


def test_adjust_adds_the_lonely_stratum_variance_that_dropping_it_would_lose():
    """Control: the adjusted SE is larger than the SE with the lonely strata counted as certain,
    so the rule really adds their contribution (f_h · t_h², not 0)."""
    d = table("lonely")
    adjusted = mean(d["y"], _design("l_strat", d))
    certain_fpc = np.where(np.isin(d["stratum"], ["B", "D"]), 1.0, d["fpc"])
    certain = mean(d["y"], Design(strata=d["stratum"], fpc=certain_fpc))
    assert adjusted.se > certain.se * (1 + 1e-6)
