"""Survey statistics for campaign scoring — pure numpy/scipy, no Django.

Reimplements the parts of R's ``survey`` package (Lumley) that scoring needs, and is tested
against it (tests/scoring/stats). Two paths give the same numbers:

* respondent level: :class:`Design` (``svydesign``), ``poststratify``/``rake``, and
  :func:`mean`, :func:`total`, :func:`proportion` (``svymean``, ``svytotal``, ``svyciprop``);
* sufficient statistics: :class:`CellTable` with per-cell counts and sums, and
  :func:`domain_means`, :func:`domain_proportions` for many domains at once.

Plus :func:`composite` / :func:`composite_many` (group-weighted scores),
:func:`composite_proportions` (group-weighted shares), :func:`kish_ess` / :func:`pooled_ess`
(effective sizes), :func:`rank_intervals` (marginal, simulated) and
:func:`simultaneous_rank_intervals` (joint, csranks), :func:`trend_test` (two independent
campaigns) and :func:`suppress_cells` (small cells of a breakdown). Formulas:
/work/shared/STATISTICS.md.

Where R (survey 4.1.1) is more specific than STATISTICS.md, we follow R:

* post-stratification adjustment: the cell mean of z/w is weighted by the *pre*-calibration
  weights (R's "oldweights"), i.e. z − w·Σ_c z/Σ_c w; this is the plain mean only when base
  weights are constant within a cell;
* raking: ``Design.rake(variance="calibrate")`` (default) = ``calibrate(calfun="raking")``, the
  residual of a regression on the margins weighted by the pre-raking weights;
  ``variance="rake"`` = ``rake()``'s ten sweeps of plain level means. They differ by up to ~1% of
  the SE with unequal weights (not 1e-5);
* proportions in a domain use R's ``degf(subset(design, D))``: PSUs with domain members − strata
  with domain members; the Korn–Graubard df factor uses ``nrow(design)``, which is the whole
  sample for calibrated designs and the domain for uncalibrated ones;
* p̂ = 0 or 1, decided on the counts (R: no usable interval), or a design SE of zero →
  Korn–Graubard with the domain's respondents as effective size; a census (every stratum
  enumerated) → [p̂, p̂]; df = 0 (R: NaN bounds) → [0, 1]. An interval always contains its
  estimate and has zero width only for a census;
* a stratum with one PSU: ``lonely_psu="fail"`` (R's default) or ``"adjust"``, as R's
  ``options(survey.lonely.psu = …)``.
"""
from .cells import CellTable, DomainEstimates, domain_means, domain_proportions, domain_totals
from .composite import CompositeShares, composite, composite_many, composite_proportions
from .design import LONELY_PSU_RULES, Design
from .errors import SinglePSUError, StatsError
from .estimators import Estimate, mean, proportion, total
from .ranks import RANK_METHODS, RankIntervals, rank_intervals, simultaneous_rank_intervals
from .sizes import kish_ess, pooled_ess
from .suppression import suppress_cells
from .trend import Trend, trend_test

__all__ = [
    "LONELY_PSU_RULES", "RANK_METHODS", "CellTable", "CompositeShares", "Design", "DomainEstimates", "Estimate",
    "RankIntervals", "SinglePSUError", "StatsError", "Trend", "composite", "composite_many", "composite_proportions",
    "domain_means", "domain_proportions", "domain_totals", "kish_ess", "mean", "pooled_ess", "proportion",
    "rank_intervals", "simultaneous_rank_intervals", "suppress_cells", "total", "trend_test",
]
