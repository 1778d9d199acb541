"""The reproduction kit (issue 14): an R script that recomputes a group's scores from its export.

`r_script` writes R code that loads an anonymised ballot export (`surveys.ballot_export`, CSV) with
R's survey package, declares the group's design exactly as scoring does — strata with population
sizes, post-stratification or `calibrate(calfun = "raking")` to the census margins, the campaign's
lonely-PSU rule — and prints, per unit, `svymean(~score, subset(design, rated), na.rm = TRUE)`: the
estimate and its SE; then the same per commitment (承诺事项) of the group's units, over its 兑现情况
grades. Given a run, it prints Minping's numbers beside R's and their differences, so that a unit
can check its number without trusting us.
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
    commitments = _commitments(parameters, spec, group)
    expected |= _expected_commitments(run, parameters, spec, commitments) if run is not None else {}
    rows = [(code, "", f"score:{code}") for code in units]
    rows += [(code, str(pk), f"commitment:{pk}") for pk, code in commitments]
    tail = [
        "# One row per unit (its score), then per commitment (承诺事项: its 兑现情况 grades, 0–100; \"dk\",",
        "# don't know, is no grade): the mean over the ballots that rated it, in the group's design.",
        "estimate <- function(unit, commitment, column) {",
        "  values <- design$variables[[column]]",
        "  design$variables$.y <- if (is.null(values)) NA_real_ else suppressWarnings(as.numeric(values))",
        "  rated <- !is.na(design$variables$.y)",
        "  if (!any(rated)) return(data.frame(unit = unit, commitment = commitment, estimate = NA, se = NA))",
        "  m <- svymean(~.y, subset(design, rated), na.rm = TRUE)",
        "  data.frame(unit = unit, commitment = commitment, estimate = unname(coef(m)), se = unname(SE(m)[1]))",
        "}",
        f"units <- {_r_vector([unit for unit, _c, _col in rows])}",
        f"commitments <- {_r_vector([commitment for _u, commitment, _col in rows])}",
        f"columns <- {_r_vector([column for _u, _c, column in rows])}",
        "out <- do.call(rbind, Map(estimate, units, commitments, columns))",
    ]
    if run is not None:
        mine = [expected.get(column, (None, None)) for _u, _c, column in rows]
        tail += [
            f"out$minping_estimate <- {_r_vector([m[0] for m in mine], strings=False)}",
            f"out$minping_se <- {_r_vector([m[1] for m in mine], strings=False)}",
            "out$diff_estimate <- out$estimate - out$minping_estimate",
            "out$diff_se <- out$se - out$minping_se",
        ]
    tail.append("write.csv(out, stdout(), row.names = FALSE)")
    return "\n".join(head + body + tail) + "\n"


def _expected(run: ScoreRun, key: str) -> dict[str, tuple]:
    """Column → Minping's (estimate, SE) in group `key`, for the units' score columns."""
    out = {}
    for unit in run.outcome.units:
        for g in unit.groups:
            if g.key == key:
                out[f"score:{unit.code}"] = (g.score, g.se)
    return out


def _commitments(parameters: dict, spec: dict, group: EvaluatorGroup) -> list[tuple[int, str]]:
    """(id, unit code) of the commitments the run scored that this group rates, in the run's order."""
    codes = dict(group.units.values_list("id", "code"))   # the group's units now, as for the unit rows
    return [(c["id"], codes[c["unit"]]) for c in parameters.get("commitments") or []
            if c["unit"] in spec["units"] and c["unit"] in codes]


def _expected_commitments(run: ScoreRun, parameters: dict, spec: dict, commitments) -> dict[str, tuple]:
    """Column → Minping's (estimate, SE) for the commitments whose unit this group alone rates: their
    score is then this group's estimate. (Where several groups rate the unit, the run keeps only the
    composite, and the script prints R's group estimate without ours beside it.)"""
    raters = {}
    for other in parameters["groups"]:
        for unit in other["units"]:
            raters[unit] = raters.get(unit, 0) + (1 if other["weight"] > 0 else 0)
    alone = {c["id"] for c in parameters.get("commitments") or [] if raters.get(c["unit"]) == 1 and spec["weight"] > 0}
    scored = {c.id: c for c in run.outcome.commitments or ()}
    return {f"commitment:{pk}": (scored[pk].score, scored[pk].se)
            for pk, _code in commitments if pk in alone and pk in scored}


def _variance_comment(spec: dict) -> str:
    if spec["rake"]:
        return ("calibrate(calfun = \"raking\") — not rake(), whose ten post-stratification sweeps give SEs "
                "up to ~1% apart with unequal weights.")
    if spec["poststratify"]:
        return "postStratify."
    return "stratified with population sizes (fpc)." if spec["strata"] else "simple random sampling."
