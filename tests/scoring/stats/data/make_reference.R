# Reference numbers for tests/scoring/stats from R's survey package (Lumley).
#
#   cd tests/scoring/stats/data && Rscript make_reference.R
#
# Writes api_*.csv (columns of the survey package's `api` data that the tests use),
# reference.json (estimates, SEs, intervals, degrees of freedom, calibrated weights).
# Inputs synth_strat.csv, synth_clus.csv and populations.json come from make_synthetic.py.
# Checked with R 4.2, survey 4.1.1, jsonlite 1.8.4.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")

data(api)
keep <- c("stype", "pw", "fpc", "api00", "enroll", "sch.wide", "comp.imp")
write.csv(apistrat[, keep], "api_strat.csv", row.names = FALSE)
write.csv(apiclus1[, c("dnum", keep)], "api_clus1.csv", row.names = FALSE)
write.csv(apisrs[, keep], "api_srs.csv", row.names = FALSE)
api <- list(strat = read.csv("api_strat.csv"), clus1 = read.csv("api_clus1.csv"),
            srs = read.csv("api_srs.csv"))
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = as.vector(table(apipop$stype)))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = as.vector(table(apipop$sch.wide)))

strat <- read.csv("synth_strat.csv")
clus <- read.csv("synth_clus.csv")
pops <- fromJSON("populations.json")
margin <- function(p, v) data.frame(setNames(list(names(p[[v]])), v), Freq = unlist(p[[v]]), row.names = NULL)
cross <- function(p) {
  lab <- strsplit(names(p$district_sex), ".", fixed = TRUE)
  data.frame(district = sapply(lab, `[`, 1), sex = sapply(lab, `[`, 2),
             Freq = unlist(p$district_sex), row.names = NULL)
}
# calibrate() wants the population totals of the model matrix columns: intercept + dummies.
cal_totals <- function(p, vars) {
  tot <- c(`(Intercept)` = sum(unlist(p[[vars[1]]])))
  for (v in vars) {
    lev <- sort(names(p[[v]]))[-1]
    tot <- c(tot, setNames(unlist(p[[v]][lev]), paste0(v, lev)))
  }
  tot
}
tight <- list(maxit = 1000, epsilon = 1e-14)  # converge fully: rake()'s default stops at 1 unit
rake3 <- function(des, p) rake(des, list(~district, ~age, ~sex),
                               list(margin(p, "district"), margin(p, "age"), margin(p, "sex")),
                               control = tight)
cal3 <- function(des, p) calibrate(des, ~district + age + sex, cal_totals(p, c("district", "age", "sex")),
                                   calfun = "raking", epsilon = 1e-13, maxit = 1000)

designs <- list()
designs$api_strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = api$strat, fpc = ~fpc)
designs$api_strat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = api$strat)
designs$api_srs_fpc <- svydesign(id = ~1, fpc = ~fpc, data = api$srs)  # weights N/n from fpc
designs$api_clus1 <- svydesign(id = ~dnum, weights = ~pw, data = api$clus1, fpc = ~fpc)
designs$api_clus1_post <- postStratify(designs$api_clus1, ~stype, pop.types)
designs$api_clus1_rake <- rake(designs$api_clus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                               control = tight)
designs$api_clus1_cal <- calibrate(designs$api_clus1, ~stype + sch.wide,
                                   c(`(Intercept)` = sum(pop.types$Freq), stypeH = pop.types$Freq[2],
                                     stypeM = pop.types$Freq[3], sch.wideYes = pop.schwide$Freq[2]),
                                   calfun = "raking", epsilon = 1e-13, maxit = 1000)
designs$s_strat <- svydesign(id = ~1, strata = ~stratum, fpc = ~fpc, data = strat)
designs$s_post <- postStratify(designs$s_strat, ~district, margin(pops$strat, "district"))
designs$s_post2 <- postStratify(designs$s_strat, ~district + sex, cross(pops$strat))
designs$s_rake <- rake3(designs$s_strat, pops$strat)
designs$s_cal <- cal3(designs$s_strat, pops$strat)
designs$s_w <- svydesign(id = ~1, weights = ~w, data = strat)
designs$s_w_cal <- cal3(designs$s_w, pops$strat)
designs$s_wstrat_post <- postStratify(svydesign(id = ~1, strata = ~stratum, weights = ~w, data = strat),
                                      ~age, margin(pops$strat, "age"))
designs$c_clus <- svydesign(id = ~cluster, strata = ~stratum, fpc = ~fpc, weights = ~w, data = clus)
designs$c_post <- postStratify(designs$c_clus, ~district, margin(pops$clus, "district"))
designs$c_rake <- rake3(designs$c_clus, pops$clus)
designs$c_cal <- cal3(designs$c_clus, pops$clus)

# What to estimate on each family of designs: variable, flag for proportions, domains.
api_jobs <- list(
  list(stat = "mean", var = "api00"), list(stat = "total", var = "enroll"),
  list(stat = "mean", var = "enroll"),
  list(stat = "mean", var = "api00", dom = list(col = "comp.imp", value = "Yes")),
  list(stat = "total", var = "enroll", dom = list(col = "comp.imp", value = "Yes")),
  list(stat = "ciprop", var = "sch.wide", flag = list(op = "==", value = "Yes")),
  list(stat = "ciprop", var = "sch.wide", flag = list(op = "==", value = "Yes"),
       dom = list(col = "comp.imp", value = "Yes")),
  list(stat = "ciprop", var = "api00", flag = list(op = ">=", value = 700),
       dom = list(col = "stype", value = "H")))
synth_jobs <- function(units) {
  jobs <- list(list(stat = "mean", var = "y1"), list(stat = "total", var = "y1"),
               list(stat = "ciprop", var = "y1", flag = list(op = ">=", value = 80)))
  for (u in units) {
    y <- paste0("y", u); dom <- list(col = paste0("r", u), value = 1)
    jobs <- c(jobs, list(list(stat = "mean", var = y, dom = dom),
                         list(stat = "total", var = y, dom = dom),
                         list(stat = "ciprop", var = y, flag = list(op = ">=", value = 80), dom = dom)))
  }
  jobs
}
jobs_for <- function(name) {
  if (startsWith(name, "api_")) api_jobs
  else if (startsWith(name, "s_")) synth_jobs(1:4)
  else synth_jobs(1:3)
}

flag_of <- function(des, job) {
  x <- des$variables[[job$var]]
  if (job$flag$op == "==") as.numeric(x == job$flag$value) else as.numeric(x >= job$flag$value)
}
sub_of <- function(des, job) {
  if (is.null(job$dom)) return(des)
  des[des$variables[[job$dom$col]] == job$dom$value, ]
}
run <- function(des, job, level, method) {
  des$variables$.flag <- if (is.null(job$flag)) NA else flag_of(des, job)
  d <- sub_of(des, job)
  out <- list(n = sum(weights(d, "sampling") > 0))
  if (job$stat == "ciprop") {
    r <- suppressWarnings(svyciprop(~.flag, d, method = method, level = level))
    ci <- attr(r, "ci")
    out <- c(out, list(value = as.vector(r), se = sqrt(as.vector(attr(r, "var"))), ci_low = ci[[1]],
                       ci_high = ci[[2]], df = degf(d), nrow = nrow(d), method = method))
  } else {
    f <- as.formula(paste0("~", job$var))
    r <- if (job$stat == "mean") svymean(f, d) else svytotal(f, d)
    ci <- confint(r, level = level)
    out <- c(out, list(value = unname(coef(r)), se = unname(SE(r)[1]), ci_low = ci[1, 1], ci_high = ci[1, 2]))
  }
  out
}

cases <- list()
for (name in names(designs)) {
  for (job in jobs_for(name)) {
    methods <- if (job$stat == "ciprop") c("logit", "beta") else "normal"
    for (level in c(0.95, 0.90)) for (method in methods) {
      res <- run(designs[[name]], job, level, method)
      cases[[length(cases) + 1]] <- c(list(design = name, stat = job$stat, var = job$var, level = level,
                                           flag = job$flag, domain = job$dom), res)
    }
  }
}
weights_out <- lapply(designs, function(d) unname(weights(d)))
info <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
             populations = list(stype = setNames(as.list(pop.types$Freq), pop.types$stype),
                                sch.wide = setNames(as.list(pop.schwide$Freq), pop.schwide$sch.wide)))
writeLines(toJSON(list(info = info, cases = cases, weights = weights_out), digits = NA,
                  auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null"), "reference.json")
cat("wrote", length(cases), "cases\n")
