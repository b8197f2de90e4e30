# Robust estimators (MLR, MLM) with multiple groups, lavaan 0.6.14: a 2-group CFA
# (HolzingerSwineford1939 by school) and a 2-group mediation (the seed's AR -> IOL -> AI,
# ownership types 1 and 2 of mediation_groups' data), each with group.equal; every
# fitMeasures() value (scaled and robust ones included), parameterEstimates with the group;
# MLR with FIML (missing = "ml": the rows with missing answers kept);
# and the invariance ladder under MLR with lavTestLRT's scaled difference tests
# (satorra.bentler.2001, lavaan's default for MLR/MLM).
# Run: cd tests/reference/groups_robust && Rscript make_reference.R
source("../_lib/case_json.R")

hs_dat <- read.csv("../hs_multigroup/data.csv", stringsAsFactors = FALSE)
med <- read.csv("../mediation_groups/data.csv", stringsAsFactors = FALSE)
med <- med[med$own %in% c(1, 2), ]
write.csv(med, "mediation.csv", row.names = FALSE, na = "")
med <- read.csv("mediation.csv", stringsAsFactors = FALSE)

hs <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
mediation <- read_model("mediation.lav")

fit_case <- function(model, data, group, args) {
  fit <- do.call("sem", c(list(model = model, data = data, group = group), args))
  list(fit = fit,
       json = list(model = model, group = group, args = args,
                   n_obs = as.integer(lavInspect(fit, "nobs")),
                   group_labels = lavInspect(fit, "group.label"),
                   fit = fit_block_all(fit), parameters = group_rows(fit)))
}

cases <- list(
  hs_scalar_mlr = fit_case(hs, hs_dat, "school",
                           list(estimator = "MLR", group.equal = c("loadings", "intercepts"))),
  hs_metric_mlm = fit_case(hs, hs_dat, "school",
                           list(estimator = "MLM", group.equal = "loadings")),
  mediation_mlr = fit_case(mediation, med, "own",
                           list(estimator = "MLR", group.equal = "loadings")),
  mediation_mlm = fit_case(mediation, med, "own",
                           list(estimator = "MLM", group.equal = c("loadings", "intercepts"))),
  mediation_fiml_mlr = fit_case(mediation, med, "own",
                                list(estimator = "MLR", group.equal = "loadings",
                                     missing = "ml")))

ladder_steps <- list(configural = "", metric = "loadings",
                     scalar = c("loadings", "intercepts"),
                     strict = c("loadings", "intercepts", "residuals"))
ladder <- lapply(ladder_steps, function(eq) {
  fit_case(hs, hs_dat, "school", list(estimator = "MLR", group.equal = eq))$fit
})
lrt <- lapply(2:4, function(k) {
  t <- lavTestLRT(ladder[[k - 1]], ladder[[k]])
  list(general = names(ladder)[k - 1], restricted = names(ladder)[k],
       chisq_diff = t[["Chisq diff"]][2], df_diff = as.integer(t[["Df diff"]][2]),
       pvalue = t[["Pr(>Chisq)"]][2])
})

out <- list(lavaan_version = as.character(packageVersion("lavaan")),
            cases = lapply(cases, function(x) x$json),
            ladder = list(estimator = "MLR",
                          fit = lapply(ladder, fit_block_all), lrt = lrt))
write_json_full(out, "lavaan.json")
