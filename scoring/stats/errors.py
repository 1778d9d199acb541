"""Exceptions raised by :mod:`scoring.stats`."""


class StatsError(ValueError):
    """Input that the estimators refuse: bad arrays, impossible calibration, no convergence."""


class SinglePSUError(StatsError):
    """A stratum with a single PSU (and some sampling variance) cannot estimate its variance.

    R's ``survey`` package stops with "Stratum (x) has only one PSU" under its default
    ``options(survey.lonely.psu = "fail")``; we do the same, naming the stratum.
    """
