"""The sufficient-statistics path: estimates for many domains from per-cell counts and sums.

Campaign scoring never loads ballots into Python. For each evaluator group the database returns
one row per *cell* — a combination of stratum, the calibration variables' levels (and the PSU
when the design has clusters) — so that every respondent in a cell has the same base weight,
hence the same final weight. Per cell it gives

* ``n``      the number of respondents (ballots) of the whole sample in the cell, and, for each
  domain d (e.g. "ballots that rated unit d") as columns of (cells × domains) arrays:
* ``n_d``    respondents of the cell that are in the domain,
* ``sum_y``  Σ y over them,  ``sum_y2``  Σ y² over them (not needed with clusters).

:class:`CellTable` holds the design part (``n``, strata, fpc, base weights, PSUs) and does the
calibration on the cell counts; :func:`domain_means`, :func:`domain_proportions` and
:func:`domain_totals` turn the domain sums into estimates, vectorised over all domains. The results
equal the respondent-level :func:`scoring.stats.mean` etc. on the same data (see the tests), because
every quantity of the linearised variance is a sum over cells (STATISTICS.md, "Why sufficient
statistics suffice"):

respondent i in cell k has weight w_k and influence z_i = w_k (u_i − b_k), where u_i is the
un-calibrated influence divided by the weight (mean: 1[i∈D](y_i − ȳ_D)/W_D) and b_k the
calibration adjustment, constant within a cell. Hence with U_k = Σ_{i∈k} u_i and
Q_k = Σ_{i∈k} u_i², the stratum sums are Σ z = Σ_k w_k (U_k − n_k b_k) and
Σ z² = Σ_k w_k² (Q_k − 2 b_k U_k + n_k b_k²); with clusters the PSU totals are
Σ_k w_k (U_k − n_k b_k) over the cells of the PSU.

Example (one evaluator group, no clusters; cells = stratum × district × age)::

    table = CellTable(n=n_k, stratum=stratum_k, fpc=pop_k)             # arrays of length K
    table = table.rake({"district": (district_k, {"D1": 180000, ...}),
                        "age": (age_k, {"18-39": ..., ...})})
    # n_kd, sy_kd, syy_kd: (K, U) arrays, column u = ballots that rated unit u
    est = domain_means(table, n_kd, sy_kd, syy_kd, level=0.95)
    est.value, est.se, est.ci_low, est.ci_high, est.n, est.ess          # arrays of length U
    sat = domain_proportions(table, n_kd, yes_kd, level=0.95)          # yes_kd: Σ 1[score ≥ 80]
"""
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._checks import as_labels, as_vector, check_finite, check_level, check_weights
from .design import RAKE_VARIANCE_SWEEPS, RAKE_VARIANCES, lonely_variance, stratum_factors, stratum_scale
from .errors import StatsError
from .estimators import Estimate
from .intervals import INTERVAL_METHODS, kg_df_factor, normal_interval, share_interval, wilson_interval
from .weighting import make_margin, poststratify_factors, rake_factors


class CellTable:
    """The design of one sample, given per cell instead of per respondent.

    One row per cell, all 1-D arrays of length K:

    n         respondents of the whole sample in the cell (≥ 1)
    stratum   stratum label (None: one stratum)
    fpc       population size of the cell's stratum (number of population clusters with
              clusters); constant within a stratum; None: no finite population correction
    weights   base weight of each respondent in the cell; None: N_h / n_h from fpc (n_h = sampled
              PSUs of the stratum), or 1 without fpc
    psu       PSU (cluster) label for one-stage cluster samples; a PSU is (stratum, psu). Every
              PSU of the sample must appear in some row. None: respondents are the PSUs.
    lonely_psu  "fail" (R's default) or "adjust": what a stratum with one PSU does, as in
              :class:`scoring.stats.Design`.

    Rows with identical keys are allowed (the sums just add up). Same meaning as
    :class:`scoring.stats.Design`; ``poststratify`` and ``rake`` take a label per *row*.
    At most one calibration (post-stratification or raking) per table.
    """

    def __init__(self, n, stratum=None, fpc=None, weights=None, psu=None, lonely_psu="fail"):
        self._lonely_rule = lonely_psu
        self.n = _frozen(as_vector(n, "n"))
        k = self.n.shape[0]
        check_finite(self.n, "n")
        if k == 0 or np.any(self.n < 1) or np.any(self.n != np.round(self.n)):
            raise StatsError("n must be whole numbers ≥ 1, one per cell (leave out empty cells)")
        self._stratum, self._stratum_labels = (
            (np.zeros(k, int), [None]) if stratum is None else as_labels(stratum, "stratum", k))
        self._set_psus(psu)
        self._set_fpc(fpc)
        if weights is None:
            w = (self._fpc_h / self._n_h)[self._stratum] if fpc is not None else np.ones(k)
        else:
            w = as_vector(weights, "weights", k)
            check_weights(w)
        self._weighted = weights is not None and np.ptp(w) > 0
        self.weights = _frozen(w)
        self._step = None

    # -- construction helpers -------------------------------------------------------------
    def _set_psus(self, psu):
        k, h = self.n.shape[0], self._stratum
        n_strata = len(self._stratum_labels)
        self._by_stratum = _indicator(h, n_strata)
        if psu is None:
            self._psu = None
            self._n_h = self._by_stratum @ self.n
            return
        codes, _ = as_labels(psu, "psu", k)
        _, self._psu = np.unique(h * (codes.max() + 1) + codes, return_inverse=True)
        self._psu = self._psu.reshape(-1)
        psu_stratum = np.zeros(self._psu.max() + 1, int)
        psu_stratum[self._psu] = h
        self._psu_stratum = psu_stratum
        self._by_psu = _indicator(self._psu, len(psu_stratum))
        self._psu_by_stratum = _indicator(psu_stratum, n_strata)
        self._n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)

    def _set_fpc(self, fpc):
        self._fpc_h, self._factor, self._lonely = stratum_factors(
            self._stratum, self._stratum_labels, self._n_h, fpc, self.n.shape[0], self._lonely_rule)

    def _derive(self, weights, step):
        if self._step is not None:
            raise StatsError("the cell path supports one calibration (post-stratify or rake) per table")
        new = object.__new__(CellTable)
        new.__dict__.update(self.__dict__)
        new.weights = _frozen(weights)
        new._weighted = True
        new._step = step
        return new

    # -- calibration ------------------------------------------------------------------------
    @property
    def calibrated(self):
        return self._step is not None

    def poststratify(self, cells, totals):
        """Post-stratify (R's ``postStratify``): ``cells`` a label per row, ``totals``
        {label: population}. Same checks as :meth:`scoring.stats.Design.poststratify`."""
        margin = make_margin("cells", cells, totals, self.n)
        w1 = self.weights * poststratify_factors(self.n * self.weights, margin)
        return self._derive(w1, ("greg", (margin,), self.weights, w1))

    def rake(self, margins, variance="calibrate"):
        """Rake to population margins: {name: (label per row, {label: total})}. The weights and
        ``variance`` options are those of :meth:`scoring.stats.Design.rake`."""
        if variance not in RAKE_VARIANCES:
            raise StatsError(f"variance must be one of {RAKE_VARIANCES}, got {variance!r}")
        if not isinstance(margins, dict) or not margins:
            raise StatsError("margins must be a non-empty dict {name: (labels, totals)}")
        ms = tuple(make_margin(name, lab, tot, self.n) for name, (lab, tot) in margins.items())
        w1 = self.weights * rake_factors(self.n * self.weights, ms)
        step = ("greg", ms, self.weights, w1) if variance == "calibrate" else ("sweep", ms, None, w1)
        return self._derive(w1, step)

    # -- variance from cell sums --------------------------------------------------------------
    def _adjustment(self, u_sum):
        """b (K × D): the calibration adjustment of u = z/w in each cell, from U_k = Σ_{i∈k} u_i."""
        if self._step is None:
            return np.zeros_like(u_sum)
        kind, margins, w0, _ = self._step
        if kind == "greg":
            return _greg_adjustment(u_sum, self.n, w0, margins)
        b = np.zeros_like(u_sum)
        ind = [(_indicator(m.codes, len(m.levels)), m.codes) for m in margins]
        for _ in range(RAKE_VARIANCE_SWEEPS):
            for g, codes in ind:
                # R's rake sweep: subtract the plain mean of the current u over each level.
                b += ((g @ (u_sum - self.n[:, None] * b)) / (g @ self.n)[:, None])[codes]
        return b

    def _variance(self, u_sum, u_sq):
        """Linearised variance per domain from U_k = Σ u, Q_k = Σ u² (K × D; Q unused with PSUs)."""
        b = self._adjustment(u_sum)
        w = self.weights[:, None]
        z_sum = w * (u_sum - self.n[:, None] * b)  # Σ_{i∈k} z_i
        if self._psu is None:
            t = self._by_stratum @ z_sum
            z_sq = self._by_stratum @ (w * w * (u_sq - 2 * b * u_sum + self.n[:, None] * b * b))
            ss = z_sq - t * t / self._n_h[:, None]
        else:
            t = self._by_psu @ z_sum
            dev = t - ((self._psu_by_stratum @ t) / self._n_h[:, None])[self._psu_stratum]
            ss = self._psu_by_stratum @ (dev * dev)
        lonely = lonely_variance(self._by_stratum @ z_sum, self._factor, self._lonely)
        return np.maximum(stratum_scale(self._n_h, self._factor) @ ss + lonely, 0.0)

    def _domain_df(self, n_d):
        """Per domain: PSUs with domain members − strata with domain members (R's degf)."""
        if self._psu is None:
            psus = n_d.sum(axis=0)
        else:
            psus = ((self._by_psu @ n_d) > 0).sum(axis=0)
        strata = ((self._by_stratum @ n_d) > 0).sum(axis=0)
        return psus - strata

    def _census(self):
        return bool(np.all(self._factor == 0))

    def _simple(self):
        return (len(self._stratum_labels) == 1 and self._psu is None and self._fpc_h is None
                and self._step is None and not self._weighted)


@dataclass(frozen=True)
class DomainEstimates:
    """Estimates for D domains as arrays of length D (read-only); ``est[j]`` is an
    :class:`~scoring.stats.Estimate`. Domains without respondents have n = 0 and NaN values."""

    value: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    ess: np.ndarray
    level: float
    df: np.ndarray | None = None
    method: str = "normal"
    # Shares only: respondents with the flag, the Korn–Graubard effective size the boundary rule
    # uses (respondents × df factor), and whether every stratum was enumerated. The composite of
    # several groups' shares needs them (scoring.stats.composite_proportions).
    k: np.ndarray | None = None
    fallback_n: np.ndarray | None = None
    census: bool = False

    def __len__(self):
        return self.value.shape[0]

    def __getitem__(self, j):
        return Estimate(float(self.value[j]), float(self.se[j]), float(self.ci_low[j]),
                        float(self.ci_high[j]), int(self.n[j]), float(self.ess[j]), self.level,
                        None if self.df is None else int(self.df[j]), self.method)

    def estimates(self):
        return [self[j] for j in range(len(self))]


def domain_means(table, n_d, sum_y, sum_y2=None, level=0.95):
    """Domain means for many domains at once: for each column d, R's
    ``svymean(~y, subset(design, domain_d))`` with the normal interval of ``confint``.

    ``n_d``, ``sum_y``, ``sum_y2``: (K, D) arrays (or length-K vectors for one domain) of the
    domain members' count, Σ y and Σ y² in each cell of ``table``. ``sum_y2`` may be omitted only
    when the table has PSUs (the PSU totals are linear in y).
    """
    level = check_level(level)
    n_d, sum_y, sum_y2 = _domain_inputs(table, n_d, sum_y, sum_y2)
    w = table.weights[:, None]
    total_w = (w * n_d).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (w * sum_y).sum(axis=0) / total_w
        # u_i = (y_i − ȳ_D)/W_D for the domain's members, 0 for the others
        u_sum = (sum_y - value * n_d) / total_w
        u_sq = (sum_y2 - 2 * value * sum_y + value * value * n_d) / total_w**2
        se = np.sqrt(table._variance(u_sum, u_sq))
    low, high = normal_interval(value, se, level)
    return _result(table, n_d, value, se, low, high, level)


def domain_totals(table, n_d, sum_y, sum_y2=None, level=0.95):
    """Domain totals ``svytotal(~y, subset(design, domain_d))`` for many domains; inputs as for
    :func:`domain_means`."""
    level = check_level(level)
    n_d, sum_y, sum_y2 = _domain_inputs(table, n_d, sum_y, sum_y2)
    value = (table.weights[:, None] * sum_y).sum(axis=0)
    se = np.sqrt(table._variance(sum_y, sum_y2))
    low, high = normal_interval(value, se, level)
    return _result(table, n_d, value, se, low, high, level)


def domain_proportions(table, n_d, n_yes, level=0.95, method="logit"):
    """Shares with a 0/1 flag for many domains: R's ``svyciprop(~flag, subset(design, d))``.

    ``n_yes`` (K, D): domain members of each cell with the flag set (for a 0/1 flag Σy = Σy²).
    Methods and boundary rules as :func:`scoring.stats.proportion` (decided on the counts).
    """
    level = check_level(level)
    if method not in INTERVAL_METHODS:
        raise StatsError(f"method must be one of {INTERVAL_METHODS}, got {method!r}")
    base = domain_means(table, n_d, n_yes, n_yes, level)
    n_d, n_yes, _ = _domain_inputs(table, n_d, n_yes, n_yes)
    if np.any(n_yes > n_d):
        raise StatsError("n_yes cannot exceed n_d")
    if method == "wilson":
        if not table._simple():
            raise StatsError("the Wilson interval assumes an unweighted simple random sample; "
                             "use method='logit' or 'beta' for a weighted or complex design")
        low, high = wilson_interval(n_yes.sum(axis=0), base.n, level)
        return DomainEstimates(base.value, base.se, _frozen(low), _frozen(high), base.n, base.ess, level,
                               None, "wilson", k=_frozen(n_yes.sum(axis=0), int))
    df = table._domain_df(n_d)
    rows = np.full(base.n.shape, table.n.sum()) if table.calibrated else base.n
    k = n_yes.sum(axis=0)
    fallback_n = base.n * kg_df_factor(rows, df, level)
    value, low, high = share_interval(base.value, base.se, df, level, method=method, k=k, n=base.n,
                                      fallback_n=fallback_n, census=table._census())
    return DomainEstimates(_frozen(value), base.se, _frozen(low), _frozen(high), base.n, base.ess, level,
                           _frozen(df, int), method, k=_frozen(k, int), fallback_n=_frozen(fallback_n),
                           census=table._census())


def _domain_inputs(table, n_d, sum_y, sum_y2):
    if not isinstance(table, CellTable):
        raise StatsError("table must be a scoring.stats.CellTable")
    if sum_y2 is None:
        if table._psu is None:
            raise StatsError("sum_y2 is needed when the table has no PSUs (each respondent is a PSU)")
        sum_y2 = np.zeros_like(np.asarray(sum_y, float))
    arrays = []
    for name, a in (("n_d", n_d), ("sum_y", sum_y), ("sum_y2", sum_y2)):
        a = np.array(a, dtype=float)
        a = a[:, None] if a.ndim == 1 else a
        if a.ndim != 2 or a.shape[0] != table.n.shape[0]:
            raise StatsError(f"{name} must have one row per cell ({table.n.shape[0]}), got shape {a.shape}")
        check_finite(a, name)
        arrays.append(a)
    if len({a.shape for a in arrays}) > 1:
        raise StatsError(f"n_d, sum_y, sum_y2 have different shapes {[a.shape for a in arrays]}")
    n_d = arrays[0]
    if np.any(n_d < 0) or np.any(n_d > table.n[:, None]) or np.any(n_d != np.round(n_d)):
        raise StatsError("n_d must be whole numbers between 0 and the cell's n")
    return tuple(arrays)


def _result(table, n_d, value, se, low, high, level):
    w = table.weights[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ess = (w * n_d).sum(axis=0) ** 2 / (w * w * n_d).sum(axis=0)
    n = n_d.sum(axis=0).astype(int)
    return DomainEstimates(*(_frozen(a) for a in (value, se, low, high)), _frozen(n, int),
                           _frozen(ess), level)


def _greg_adjustment(u_sum, n, w0, margins):
    """Cell version of R's calibrate residual: b = Xβ, β = (Σ_k n_k w0_k X_k X_k')⁻¹ Σ_k w0_k X_k U_k.

    One margin (post-stratification): b = the w0-weighted mean of u in each calibration cell.
    """
    if len(margins) == 1:
        m = margins[0]
        g = _indicator(m.codes, len(m.levels))
        return ((g @ (w0[:, None] * u_sum)) / (g @ (n * w0))[:, None])[m.codes]
    x = np.hstack([np.eye(len(m.levels))[m.codes] for m in margins])  # K × p, p = Σ levels
    gram = x.T @ ((n * w0)[:, None] * x)
    beta = np.linalg.lstsq(gram, x.T @ (w0[:, None] * u_sum), rcond=None)[0]
    return x @ beta


def _indicator(codes, size):
    """Sparse (size × K) matrix summing rows by code: (G @ A)[c] = Σ_{k: codes_k = c} A[k]."""
    k = codes.shape[0]
    return sparse.csr_matrix((np.ones(k), (codes, np.arange(k))), shape=(size, k))


def _frozen(arr, dtype=float):
    arr = np.array(arr, dtype=dtype)
    arr.setflags(write=False)
    return arr
