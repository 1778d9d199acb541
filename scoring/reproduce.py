"""The reproduction kit (issue 14): an R script that recomputes a group's scores from its export.

`r_script` writes R code that loads an anonymised ballot export (`surveys.ballot_export`, CSV) with
R's survey package, declares the group's design exactly as scoring does — strata with population
sizes, post-stratification or `calibrate(calfun = "raking")` to the census margins, the campaign's
lonely-PSU rule — and prints, per unit, `svymean(~score, subset(design, rated), na.rm = TRUE)`: the
estimate and its SE. Given a run, it prints Minping's numbers beside R's and their differences, so
that a unit can check its number without trusting us.
"""
import json
import math

from surveys.models import EvaluatorGroup

from .models import ScoreRun
from .services import scoring_parameters


def _r_string(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)   # a JSON string is a valid R string literal


def _r_number(value) -> str:
    return "NA" if value is None or not math.isfinite(float(value)) else repr(float(value))


def _r_vector(values, strings=True) -> str:
    items = [_r_string(v) if strings else _r_number(v) for v in values]
    return f"c({', '.join(items)})"


def _design_lines(spec: dict) -> list[str]:
    lines = []
    for variable in spec["keys"]:
        levels = sorted(_levels(spec, variable))
        lines.append(f"d[[{_r_string(variable)}]] <- factor(d[[{_r_string(variable)}]], levels = {_r_vector(levels)})")
    if spec["strata"]:
        strata = _r_string(spec["strata"])
        pops = spec["fpc"]
        lines.append(f"pop <- setNames({_r_vector(pops.values(), strings=False)}, {_r_vector(pops.keys())})")
        lines.append(f"d$.fpc <- unname(pop[as.character(d[[{strata}]])])")
        lines.append(f"design <- svydesign(id = ~1, strata = ~{_r_name(spec['strata'])}, fpc = ~.fpc, data = d)")
    elif spec["fpc"] is not None:
        lines.append(f"d$.fpc <- {float(spec['fpc'])!r}")
        lines.append("design <- svydesign(id = ~1, fpc = ~.fpc, data = d)")
    else:
        lines.append("d$.w <- 1")
        lines.append("design <- svydesign(id = ~1, weights = ~.w, data = d)")
    if spec["poststratify"]:
        (variable, totals), = spec["poststratify"].items()
        levels = sorted(totals)
        lines.append(f"design <- postStratify(design, ~{_r_name(variable)}, data.frame({_r_name(variable)} = "
                     f"{_r_vector(levels)}, Freq = {_r_vector([totals[v] for v in levels], strings=False)}))")
    elif spec["rake"]:
        margins = [v for v in spec["keys"] if v in spec["rake"]]
        grand = sum(spec["rake"][margins[0]].values())
        totals = [("(Intercept)", grand)]
        for variable in margins:
            levels = sorted(spec["rake"][variable])
            totals += [(f"{variable}{level}", spec["rake"][variable][level]) for level in levels[1:]]
        lines.append(f"totals <- setNames({_r_vector([t for _, t in totals], strings=False)}, "
                     f"{_r_vector([name for name, _ in totals])})")
        lines.append(f"design <- calibrate(design, ~{' + '.join(_r_name(v) for v in margins)}, totals, "
                     "calfun = \"raking\", epsilon = 1e-13, maxit = 1000)")
    return lines


def _levels(spec: dict, variable: str):
    if variable == spec["strata"]:
        return spec["fpc"].keys()
    source = (spec["poststratify"] or {}) | (spec["rake"] or {})
    return source[variable].keys()


def _r_name(variable: str) -> str:
    return f"`{variable}`"


def r_script(*, group: EvaluatorGroup, data_file: str, run: ScoreRun | None = None) -> str:
    """R code reproducing `group`'s unit scores and SEs from the CSV export `data_file`."""
    parameters = run.parameters if run is not None else scoring_parameters(group.campaign)
    spec = next(s for s in parameters["groups"] if s["key"] == group.key)
    units = [u.code for u in group.units.order_by("code")]
    expected = _expected(run, group.key) if run is not None else {}
    lonely = parameters.get("lonely_psu", "fail")
    head = [
        f"# Reproduces the scores of evaluator group “{group.key}” of campaign “{group.campaign.slug}”",
        f"# ({'run ' + str(run.number) + ', method ' + run.method if run else 'current design'}) with R's survey "
        "package (Lumley).",
        f"#   Rscript {data_file.rsplit('.', 1)[0]}.R [{data_file}]",
        "# Prints per unit: R's estimate and SE" + (", Minping's, and the differences." if run else "."),
        "# Variance: " + _variance_comment(spec),
        "suppressMessages(library(survey))",
        f"options(survey.lonely.psu = {_r_string(lonely)})",
        "args <- commandArgs(trailingOnly = TRUE)",
        f"path <- if (length(args)) args[1] else {_r_string(data_file)}",
        "d <- read.csv(path, check.names = FALSE, na.strings = \"\", fileEncoding = \"UTF-8-BOM\","
        " colClasses = \"character\")",
    ]
    body = _design_lines(spec)
    units_r = _r_vector(units)
    tail = [
        f"units <- {units_r}",
        "rows <- lapply(units, function(u) {",
        "  column <- paste0(\"score:\", u)",
        "  design$variables$.y <- as.numeric(design$variables[[column]])",
        "  rated <- !is.na(design$variables$.y)",
        "  if (!any(rated)) return(data.frame(unit = u, estimate = NA, se = NA))",
        "  m <- svymean(~.y, subset(design, rated), na.rm = TRUE)",
        "  data.frame(unit = u, estimate = unname(coef(m)), se = unname(SE(m)[1]))",
        "})",
        "out <- do.call(rbind, rows)",
    ]
    if run is not None:
        tail += [
            f"out$minping_estimate <- {_r_vector([expected.get(u, (None, None))[0] for u in units], strings=False)}",
            f"out$minping_se <- {_r_vector([expected.get(u, (None, None))[1] for u in units], strings=False)}",
            "out$diff_estimate <- out$estimate - out$minping_estimate",
            "out$diff_se <- out$se - out$minping_se",
        ]
    tail.append("write.csv(out, stdout(), row.names = FALSE)")
    return "\n".join(head + body + tail) + "\n"


def _expected(run: ScoreRun, key: str) -> dict[str, tuple]:
    out = {}
    for unit in run.outcome.units:
        for g in unit.groups:
            if g.key == key:
                out[unit.code] = (g.score, g.se)
    return out


def _variance_comment(spec: dict) -> str:
    if spec["rake"]:
        return ("calibrate(calfun = \"raking\") — not rake(), whose ten post-stratification sweeps give SEs "
                "up to ~1% apart with unequal weights.")
    if spec["poststratify"]:
        return "postStratify."
    return "stratified with population sizes (fpc)." if spec["strata"] else "simple random sampling."
