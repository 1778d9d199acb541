"""Generate the synthetic survey data sets used by make_reference.R and the tests.

Run once (``python tests/scoring/stats/data/make_synthetic.py``); the CSV files are committed, so
neither the tests nor R depend on numpy's generator staying the same across versions.

synth_strat.csv  stratified sample without clusters: five strata with population sizes (fpc),
                 the last one a census (fpc = n_h); respondent profile district/age/sex for
                 post-stratification and raking; scores y1..y4 for four rated units with domain
                 flags r1..r4 (r4 is tiny and everybody in it is satisfied: a boundary case);
                 an unequal weight ``w`` for the designs without fpc.
synth_clus.csv   stratified one-stage cluster sample (communities within districts): fpc is the
                 number of population clusters of the stratum; the base weight is constant within
                 a cluster but differs between clusters.
populations.json population totals for the calibration variables of both data sets.
"""
import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GRADES = np.array([0, 40, 60, 80, 100])


def _profile(rng, n, stratum_idx):
    # District depends on the stratum so that calibration cells cut across strata.
    district_p = np.array([[.55, .25, .15, .05], [.15, .50, .25, .10], [.10, .20, .40, .30],
                           [.25, .25, .25, .25], [.40, .30, .20, .10], [.30, .30, .20, .20]])
    district = np.array([rng.choice(4, p=district_p[s]) for s in stratum_idx])
    age = rng.choice(3, size=n, p=[.30, .45, .25])
    sex = rng.choice(2, size=n, p=[.52, .48])
    return district, age, sex


def _scores(rng, n, district, age, tiny=True):
    # A latent satisfaction that depends on district and age, turned into grades 0..100.
    ys, flags = [], []
    for u, rate in enumerate([.65, .35, .06]):
        lat = 2.2 + 0.35 * district - 0.3 * age + 0.4 * u + rng.normal(0, 1.1, n)
        ys.append(GRADES[np.clip(np.round(lat).astype(int), 0, 4)])
        flags.append(rng.random(n) < rate * (1 + 0.3 * (district == u)))
    if not tiny:
        return ys, flags
    # Unit 4: a tiny domain where everybody gives the top grade (p = 1 for "satisfied").
    r4 = np.zeros(n, bool)
    r4[rng.choice(n, 12, replace=False)] = True
    ys.append(np.where(r4, 100, GRADES[rng.integers(0, 5, n)]))
    flags.append(r4)
    return ys, flags


def make_strat(rng):
    pop = [20000, 8000, 3000, 400, 15]
    take = [300, 200, 150, 120, 15]
    stratum_idx = np.repeat(np.arange(5), take)
    n = stratum_idx.size
    district, age, sex = _profile(rng, n, stratum_idx)
    ys, flags = _scores(rng, n, district, age)
    w = np.round(np.exp(rng.normal(3.0, 0.6, n)), 3)
    rows = []
    for i in range(n):
        rows.append({
            "id": i + 1, "stratum": f"S{stratum_idx[i] + 1}", "fpc": pop[stratum_idx[i]],
            "w": w[i], "district": f"D{district[i] + 1}", "age": f"A{age[i] + 1}",
            "sex": "FM"[sex[i]],
            **{f"y{u + 1}": int(ys[u][i]) for u in range(4)},
            **{f"r{u + 1}": int(flags[u][i]) for u in range(4)},
        })
    return rows


def make_clus(rng):
    pop_clusters = [40, 25, 12]
    sampled = [8, 6, 4]
    rows, cid = [], 0
    for h in range(3):
        for _ in range(sampled[h]):
            cid += 1
            m = int(rng.integers(5, 21))
            # Base weight: clusters drawn with probability n_h/N_h, respondents with m/M_c.
            big_m = int(rng.integers(200, 900))
            w = pop_clusters[h] / sampled[h] * big_m / m
            district, age, sex = _profile(rng, m, np.full(m, cid % 6))
            ys, flags = _scores(rng, m, district, age, tiny=False)
            for i in range(m):
                rows.append({
                    "stratum": f"H{h + 1}", "cluster": cid, "fpc": pop_clusters[h],
                    "w": round(w, 6), "district": f"D{district[i] + 1}",
                    "age": f"A{age[i] + 1}", "sex": "FM"[sex[i]],
                    **{f"y{u + 1}": int(ys[u][i]) for u in range(3)},
                    **{f"r{u + 1}": int(flags[u][i]) for u in range(3)},
                })
    for i, r in enumerate(rows):
        r["id"] = i + 1
    return rows


def _write(name, rows):
    cols = ["id"] + [c for c in rows[0] if c != "id"]
    with open(HERE / name, "w", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=cols)
        out.writeheader()
        out.writerows(rows)


def _split(total, shares):
    # Integer population totals in the given proportions that add up exactly to ``total``.
    raw = np.array(shares) / np.sum(shares) * total
    out = np.floor(raw).astype(int)
    out[np.argmax(raw - out)] += total - out.sum()
    return out.tolist()


def main():
    rng = np.random.default_rng(20260127)
    strat = make_strat(rng)
    clus = make_clus(rng)
    _write("synth_strat.csv", strat)
    _write("synth_clus.csv", clus)
    n_strat = 31415
    n_clus = int(round(sum(r["w"] for r in clus)))
    pops = {}
    for name, total in (("strat", n_strat), ("clus", n_clus)):
        pops[name] = {
            "district": dict(zip(["D1", "D2", "D3", "D4"], _split(total, [30, 28, 24, 18]), strict=True)),
            "age": dict(zip(["A1", "A2", "A3"], _split(total, [33, 42, 25]), strict=True)),
            "sex": dict(zip(["F", "M"], _split(total, [51, 49]), strict=True)),
            "district_sex": dict(zip([f"{d}.{s}" for d in ["D1", "D2", "D3", "D4"] for s in "FM"],
                                     _split(total, [15.5, 14.5, 14, 14, 12.5, 11.5, 9, 9]), strict=True)),
        }
    (HERE / "populations.json").write_text(json.dumps(pops, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
