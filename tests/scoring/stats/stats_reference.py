"""Load the R reference data (tests/scoring/stats/data) and build the same designs in Python.

A helper module for the tests, not a test file. The design names match make_reference.R.
"""
import csv
import json
from functools import cache
from pathlib import Path

import numpy as np

from scoring.stats import Design

DATA = Path(__file__).resolve().parent / "data"


@cache
def table(name):
    """Columns of ``DATA/name.csv`` as numpy arrays (numeric where every value parses)."""
    with open(DATA / f"{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = {}
    for key in rows[0]:
        raw = [r[key] for r in rows]
        try:
            cols[key] = np.array([float(v) for v in raw])
        except ValueError:
            cols[key] = np.array(raw)
    return cols


@cache
def reference():
    return json.loads((DATA / "reference.json").read_text())


@cache
def populations():
    return json.loads((DATA / "populations.json").read_text())


def api_populations():
    pops = reference()["info"]["populations"]
    return pops["stype"], pops["sch.wide"]


def data_for(design_name):
    if design_name.startswith("api_srs"):
        return table("api_srs")
    if design_name.startswith("api_strat"):
        return table("api_strat")
    if design_name.startswith("api_clus1"):
        return table("api_clus1")
    return table("synth_strat") if design_name.startswith("s_") else table("synth_clus")


def _three(d, pops):
    return {v: (d[v], pops[v]) for v in ("district", "age", "sex")}


@cache
def build(name):
    """The Python twin of the R design ``name`` of make_reference.R."""
    d = data_for(name)
    stype_pop, schwide_pop = api_populations()
    api_margins = ({"stype": (d["stype"], stype_pop), "sch.wide": (d["sch.wide"], schwide_pop)}
                   if name.startswith("api_") else None)
    pops = populations()["strat" if name.startswith("s_") else "clus"]
    builders = {
        "api_strat": lambda: Design(weights=d["pw"], strata=d["stype"], fpc=d["fpc"]),
        "api_strat_nofpc": lambda: Design(weights=d["pw"], strata=d["stype"]),
        "api_srs_fpc": lambda: Design(fpc=d["fpc"]),
        "api_clus1": lambda: Design(weights=d["pw"], clusters=d["dnum"], fpc=d["fpc"]),
        "api_clus1_post": lambda: build("api_clus1").poststratify(d["stype"], stype_pop),
        "api_clus1_rake": lambda: build("api_clus1").rake(api_margins, variance="rake"),
        "api_clus1_cal": lambda: build("api_clus1").rake(api_margins, variance="calibrate"),
        "s_strat": lambda: Design(strata=d["stratum"], fpc=d["fpc"]),
        "s_post": lambda: build("s_strat").poststratify(d["district"], pops["district"]),
        "s_post2": lambda: build("s_strat").poststratify(
            np.char.add(np.char.add(d["district"], "."), d["sex"]), pops["district_sex"]),
        "s_rake": lambda: build("s_strat").rake(_three(d, pops), variance="rake"),
        "s_cal": lambda: build("s_strat").rake(_three(d, pops)),
        "s_w": lambda: Design(weights=d["w"]),
        "s_w_cal": lambda: build("s_w").rake(_three(d, pops)),
        "s_wstrat_post": lambda: Design(weights=d["w"], strata=d["stratum"]).poststratify(
            d["age"], pops["age"]),
        "c_clus": lambda: Design(weights=d["w"], strata=d["stratum"], clusters=d["cluster"], fpc=d["fpc"]),
        "c_post": lambda: build("c_clus").poststratify(d["district"], pops["district"]),
        "c_rake": lambda: build("c_clus").rake(_three(d, pops), variance="rake"),
        "c_cal": lambda: build("c_clus").rake(_three(d, pops)),
    }
    return builders[name]()


def variable(case):
    """The analysis variable of a reference case: the column, or its 0/1 flag for proportions."""
    x = data_for(case["design"])[case["var"]]
    flag = case.get("flag")
    if flag is None:
        return x
    if flag["op"] == "==":
        return (x == flag["value"]).astype(float)
    return (x >= flag["value"]).astype(float)


def domain(case):
    dom = case.get("domain")
    if dom is None:
        return None
    return data_for(case["design"])[dom["col"]] == dom["value"]
