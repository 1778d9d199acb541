# Reference numbers for strata with a single PSU under options(survey.lonely.psu = "adjust")
# (issue 14), from R's survey package:
#
#   cd tests/scoring/stats/data && Rscript make_reference_lonely.R
#
# Writes lonely.csv (the data, drawn here with a fixed seed) and reference_lonely.json.
# Checked with R 4.2.2, survey 4.1.1, jsonlite 1.8.4.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "adjust")
set.seed(14)

take <- c(A = 40, B = 1, C = 25, D = 1)          # B and D: one respondent each (lonely)
pop <- c(A = 9000, B = 700, C = 4000, D = 1)      # D is a certainty stratum (fpc = n)
stratum <- rep(names(take), take)
n <- length(stratum)
d <- data.frame(
  stratum = stratum, fpc = unname(pop[stratum]),
  cluster = ifelse(stratum == "C", paste0("C", sample(1:6, n, TRUE)),
                   ifelse(stratum == "A", paste0("A", sample(1:8, n, TRUE)), paste0(stratum, "1"))),
  sex = sample(c("F", "M"), n, TRUE), age = sample(c("young", "old"), n, TRUE),
  w = round(exp(rnorm(n, 3, 0.4)), 2),
  y = round(pmin(100, pmax(0, rnorm(n, 75, 15)))),
  r = rbinom(n, 1, 0.7)
)
d$r[d$stratum == "B"] <- 1
write.csv(d, "lonely.csv", row.names = FALSE)
d <- read.csv("lonely.csv")
d$sat <- as.numeric(d$y >= 80)

pops <- list(sex = data.frame(sex = c("F", "M"), Freq = c(6900, 6801)),
             age = data.frame(age = c("old", "young"), Freq = c(5000, 8701)))
designs <- list(
  l_strat = svydesign(id = ~1, strata = ~stratum, fpc = ~fpc, data = d),
  l_nofpc = svydesign(id = ~1, strata = ~stratum, weights = ~w, data = d),
  l_clus = svydesign(id = ~cluster, strata = ~stratum, fpc = NULL, weights = ~w, data = d)
)
designs$l_cal <- calibrate(designs$l_strat, ~sex + age, c(`(Intercept)` = 13701, sexM = 6801, ageyoung = 8701),
                           calfun = "raking", epsilon = 1e-13, maxit = 1000)
cases <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (dom in c(FALSE, TRUE)) {
    sub <- if (dom) subset(des, r == 1) else des
    m <- svymean(~y, sub)
    p <- suppressWarnings(svyciprop(~sat, sub, method = "logit"))
    ci <- attr(p, "ci")
    cases[[length(cases) + 1]] <- list(design = name, domain = dom, mean = unname(coef(m)), mean_se = unname(SE(m)[1]),
                                       share = as.vector(p), share_se = sqrt(as.vector(attr(p, "var"))),
                                       share_low = ci[[1]], share_high = ci[[2]], df = degf(sub))
  }
}
info <- list(R = R.version.string, survey = as.character(packageVersion("survey")), lonely.psu = "adjust")
writeLines(toJSON(list(info = info, cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "reference_lonely.json")
cat("wrote", length(cases), "cases\n")
