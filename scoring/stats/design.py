"""A survey design at respondent level: R's ``svydesign`` + ``postStratify``/``rake``/``calibrate``.

Only what campaign scoring needs: stratified (optionally one-stage clustered) samples with
weights and finite population corrections, calibrated by post-stratification or raking.
Variances are Taylor-linearised with the "ultimate cluster" formula of R's ``svyrecvar``.
"""
import numpy as np

from ._checks import as_labels, as_vector, check_finite, check_weights
from .errors import SinglePSUError, StatsError
from .weighting import make_margin, poststratify_factors, rake_factors

# R's onestrat() treats a stratum as self-representing when (N_h - n_h)/N_h < 1e-7.
CERTAINTY_EPS = 1e-7
# R's svyrecvar() repeats the raking sweeps exactly ten times.
RAKE_VARIANCE_SWEEPS = 10
RAKE_VARIANCES = ("calibrate", "rake")
# R's options(survey.lonely.psu = …): "fail" stops on a stratum with one PSU (R's default);
# "adjust" centres that PSU's total at the population mean (zero) instead of its stratum's.
LONELY_PSU_RULES = ("fail", "adjust")


class Design:
    """``svydesign(ids = ~clusters or ~1, strata = ~strata, weights = ~weights, fpc = ~fpc)``.

    All arguments are 1-D arrays with one entry per respondent (or None):

    weights   sampling weights (> 0). When None: N_h / n_h from ``fpc`` (n_h = sampled PSUs in
              the stratum), or 1 for everybody when there is no fpc either.
    strata    stratum label per respondent. None: one stratum.
    clusters  PSU label per respondent for one-stage cluster samples; None: every respondent is
              its own PSU. PSUs are identified by (stratum, cluster) — R's ``nest = TRUE``.
    fpc       population size of the respondent's stratum (number of population clusters when
              there are clusters), constant within a stratum; None: sampling with replacement.
              Sampling fractions are not accepted (R's fpc ≤ 1 convention): give sizes.

    A stratum with a single PSU raises :class:`SinglePSUError` unless it is a certainty stratum
    (fpc = n_h), which contributes no variance (R's default ``survey.lonely.psu = "fail"``), or
    ``lonely_psu="adjust"``: its PSU total is centred at zero, the population mean of the
    influence values, instead of its stratum's mean — R's ``survey.lonely.psu = "adjust"``.
    Instances are immutable; ``poststratify`` and ``rake`` return new designs.
    """

    def __init__(self, weights=None, strata=None, clusters=None, fpc=None, lonely_psu="fail"):
        n = _length(weights, strata, clusters, fpc)
        self._n = n
        self._lonely_rule = lonely_psu
        self._stratum, self._stratum_labels = (
            (np.zeros(n, int), [None]) if strata is None else as_labels(strata, "strata", n))
        self._set_psus(clusters)
        self._set_fpc(fpc)
        if weights is None:
            w = self._fpc_weights() if fpc is not None else np.ones(n)
        else:
            w = as_vector(weights, "weights", n)
            check_weights(w)
        self._weighted = weights is not None and np.ptp(w) > 0
        self._w = _frozen(w)
        self._steps = ()

    # -- construction helpers -------------------------------------------------------------
    def _set_psus(self, clusters):
        n, h = self._n, self._stratum
        if clusters is None:
            psu = np.arange(n)
        else:
            codes, _ = as_labels(clusters, "clusters", n)
            _, psu = np.unique(h * (codes.max() + 1) + codes, return_inverse=True)
        self._psu = psu.reshape(-1)
        n_psu = int(self._psu.max()) + 1
        psu_stratum = np.zeros(n_psu, int)
        psu_stratum[self._psu] = h
        self._psu_stratum = psu_stratum
        self._n_h = np.bincount(psu_stratum, minlength=len(self._stratum_labels))

    def _set_fpc(self, fpc):
        self._fpc_h, self._factor, self._lonely = stratum_factors(
            self._stratum, self._stratum_labels, self._n_h, fpc, self._n, self._lonely_rule)

    def _fpc_weights(self):
        return (self._fpc_h / self._n_h)[self._stratum]

    def _derive(self, weights, step):
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new._w = _frozen(weights)
        new._weighted = True
        new._steps = self._steps + (step,)
        return new

    # -- public ---------------------------------------------------------------------------
    @property
    def weights(self):
        """The final weights (read-only array)."""
        return self._w

    @property
    def n(self):
        return self._n

    @property
    def calibrated(self):
        return bool(self._steps)

    @property
    def df(self):
        """Design degrees of freedom, R's ``degf``: number of PSUs − number of strata."""
        return len(self._psu_stratum) - len(self._stratum_labels)

    def poststratify(self, cells, totals):
        """R's ``postStratify(design, ~cells, population)``: scale the weights in each cell to its
        population total. ``cells``: a label per respondent; ``totals``: {label: population}."""
        margin = make_margin("cells", cells, totals, np.ones(self._n))
        w1 = self._w * poststratify_factors(self._w, margin)
        return self._derive(w1, ("greg", (margin,), self._w, w1))

    def rake(self, margins, variance="calibrate"):
        """Raking by iterative proportional fitting to relative tolerance 1e-10.

        ``margins``: {name: (labels per respondent, {label: population total})}. The weights are
        those of R's ``rake`` and ``calibrate(calfun="raking")`` (the same solution). The variance
        follows ``calibrate`` by default: the linearised variable is replaced by its residual from
        the regression on the margins' indicators, weighted by the pre-raking weights.
        ``variance="rake"`` reproduces R's ``rake()`` instead: ten sweeps subtracting, margin by
        margin, the plain (unweighted) level means of z/w. With unequal weights the two differ by
        up to about 1% of the SE; with equal base weights they agree closely. (R's sweeps use, per
        margin, the weights after that margin's step of the last IPF iteration; at our 1e-10
        convergence those are the final weights, which we use.)
        """
        if variance not in RAKE_VARIANCES:
            raise StatsError(f"variance must be one of {RAKE_VARIANCES}, got {variance!r}")
        if not isinstance(margins, dict) or not margins:
            raise StatsError("margins must be a non-empty dict {name: (labels, totals)}")
        ms = tuple(make_margin(name, lab, tot, np.ones(self._n)) for name, (lab, tot) in margins.items())
        w1 = self._w * rake_factors(self._w, ms)
        step = ("greg", ms, self._w, w1) if variance == "calibrate" else ("sweep", ms, None, w1)
        return self._derive(w1, step)

    # -- variance machinery -----------------------------------------------------------------
    def _calibrate(self, z):
        """Apply the calibration adjustments of R's ``svyrecvar`` to influence values ``z``."""
        for kind, margins, w0, w1 in self._steps:
            if kind == "greg":
                z = z - w1 * _wls_fit(z / w1, margins, w0)
            else:
                for _ in range(RAKE_VARIANCE_SWEEPS):
                    for m in margins:
                        level_mean = np.bincount(m.codes, z / w1) / np.bincount(m.codes)
                        z = z - w1 * level_mean[m.codes]
        return z

    def _variance(self, z):
        """V = Σ_h (1 − f_h) n_h/(n_h − 1) Σ_j (t_hj − t̄_h)² over PSU totals t_hj of ``z``."""
        h = self._psu_stratum
        t = np.bincount(self._psu, z, minlength=len(h))
        dev = t - (np.bincount(h, t, minlength=len(self._n_h)) / self._n_h)[h]
        ss = np.bincount(h, dev * dev, minlength=len(self._n_h))
        return float(np.sum(stratum_scale(self._n_h, self._factor) * ss)
                     + lonely_variance(np.bincount(h, t, minlength=len(self._n_h)), self._factor, self._lonely))

    def _domain_df(self, mask):
        """R's ``degf(subset(design, mask))``: PSUs with domain members − strata with members."""
        psus = np.unique(self._psu[mask])
        return len(psus) - len(np.unique(self._psu_stratum[psus]))

    def _census(self):
        """Every stratum completely enumerated: no sampling variance at all."""
        return bool(np.all(self._factor == 0))

    def _simple(self):
        """Unweighted simple random sample with replacement (what a Wilson interval assumes)."""
        return (len(self._stratum_labels) == 1 and len(self._psu_stratum) == self._n
                and self._fpc_h is None and not self._steps and not self._weighted)


def stratum_factors(stratum, labels, n_h, fpc, n_rows, lonely_psu="fail"):
    """Population sizes N_h, variance factors (N_h − n_h)/N_h per stratum (R's onestrat()) and
    which strata are lonely (one PSU, some sampling variance).

    Without fpc the factor is 1. Checks that fpc is constant within strata and ≥ n_h; a lonely
    stratum raises :class:`SinglePSUError` under ``lonely_psu="fail"``.
    """
    if lonely_psu not in LONELY_PSU_RULES:
        raise StatsError(f"lonely_psu must be one of {LONELY_PSU_RULES}, got {lonely_psu!r}")
    pop_h, factor = None, np.ones(len(labels))
    if fpc is not None:
        pop = as_vector(fpc, "fpc", n_rows)
        check_finite(pop, "fpc")
        pop_h = np.full(len(labels), np.nan)
        pop_h[stratum] = pop
        if not np.array_equal(pop_h[stratum], pop):
            raise StatsError("fpc must be constant within each stratum")
        small = [labels[h] for h in np.flatnonzero(pop_h < n_h)]
        if small:
            raise StatsError(f"fpc smaller than the number of sampled PSUs in strata {small!r} "
                             "(fpc is the population size N_h, not a sampling fraction)")
        factor = (pop_h - n_h) / pop_h
    factor = np.where(factor < CERTAINTY_EPS, 0.0, factor)
    lonely = (n_h == 1) & (factor > 0)
    if lonely.any() and lonely_psu == "fail":
        names = [labels[h] for h in np.flatnonzero(lonely)]
        raise SinglePSUError(f"Stratum {names[0]!r} has only one PSU: its variance cannot be "
                             f"estimated (strata with one PSU: {names!r})")
    return pop_h, factor, lonely


def stratum_scale(n_h, factor):
    """(1 − f_h) n_h/(n_h − 1) per stratum; 0 for strata with one PSU (see lonely_variance)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_h > 1, factor * n_h / np.maximum(n_h - 1, 1), 0.0)


def lonely_variance(stratum_totals, factor, lonely):
    """R's lonely.psu = "adjust": a lonely stratum adds (1 − f_h) · T_h², its PSU total T_h
    centred at zero. ``stratum_totals``: per stratum (rows), optionally × domains (columns)."""
    if not lonely.any():
        return 0.0
    weights = np.where(lonely, factor, 0.0)
    totals = np.asarray(stratum_totals, float)
    return weights @ (totals * totals)


def _wls_fit(u, margins, w0):
    """Fitted values of the regression of ``u`` on the margins' level indicators, weights ``w0``.

    R's calibrate: ``qr.resid(qr(X·√w0), z/(g√w0))·g√w0`` = z − w·Xβ with β = (X'W0X)⁻¹X'W0u,
    u = z/w. For one margin (post-stratification) the fit is the w0-weighted mean of u in each cell
    (R's postStratify with its "oldweights"). Several margins: least squares on the indicator
    matrix (rank-deficient by design; the fitted values are unique).
    """
    if len(margins) == 1:
        m = margins[0]
        return (np.bincount(m.codes, w0 * u) / np.bincount(m.codes, w0))[m.codes]
    cols = [np.eye(len(m.levels))[m.codes] for m in margins]
    x = np.hstack(cols) * np.sqrt(w0)[:, None]
    beta, *_ = np.linalg.lstsq(x, u * np.sqrt(w0), rcond=None)
    return np.hstack(cols) @ beta


def _length(*arrays):
    sizes = {np.shape(a)[0] for a in arrays if a is not None and np.ndim(a) >= 1}
    if any(a is not None and np.ndim(a) != 1 for a in arrays):
        raise StatsError("design arrays must be one-dimensional, one entry per respondent")
    if not sizes:
        raise StatsError("a design needs at least one of weights, strata, clusters, fpc")
    if len(sizes) > 1:
        raise StatsError(f"design arrays have different lengths {sorted(sizes)}")
    n = sizes.pop()
    if n == 0:
        raise StatsError("a design needs at least one respondent")
    return n


def _frozen(arr):
    arr = np.array(arr, dtype=float)
    arr.setflags(write=False)
    return arr
