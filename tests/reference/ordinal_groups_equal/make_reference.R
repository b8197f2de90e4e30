# lavaan 0.6.14's group.equal and group.partial for ordinal items by WLSMV: the three-factor CFA
# of ordinal_groups (its data.csv and model.lav; the 14 alliance items in 5 categories, owner
# state 114 vs nonstate 187), marker loadings, delta parameterization. With thresholds equal
# lavaan frees the second group's scales ~*~ and (unless means are equal) latent means;
# intercepts, residuals, residual.covariances and regressions change nothing in this model.
# Writes lavaan.json: per case group_equal, group_partial, parameter rows with their group
# (est, se, std.all), fit measures and R² per group.
# Run: cd tests/reference/ordinal_groups_equal && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("../ordinal_groups/data.csv", stringsAsFactors = FALSE)
model <- read_model("../ordinal_groups/model.lav")
items <- c(paste0("ar", 1:4), paste0("iol", 1:4), paste0("ai", 1:6))
measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea", "rmsea.scaled", "srmr")
one_fit <- function(equal, partial = character(0)) {
  fit <- cfa(model, data = dat, ordered = items, group = "owner", estimator = "WLSMV",
             group.equal = equal, group.partial = partial)
  fm <- fitMeasures(fit, measures)
  list(group_equal = I(equal), group_partial = I(partial),
       groups = I(lavInspect(fit, "group.label")), n_obs = I(lavInspect(fit, "nobs")),
       r2 = lapply(lavInspect(fit, "r2"), function(v) as.list(v)),
       fit = setNames(lapply(fm, num_or_null), gsub(".", "_", names(fm), fixed = TRUE)),
       parameters = group_rows(fit))
}
write_json_full(list(
  thresholds = one_fit("thresholds"),
  loadings = one_fit("loadings"),
  means_lv_variances = one_fit(c("loadings", "thresholds", "means", "lv.variances")),
  partial = one_fit(c("loadings", "thresholds", "lv.covariances", "intercepts", "residuals"),
                    c("ar1|t1", "AR=~ar2", "IOL~1")),
  every_kind = one_fit(c("loadings", "thresholds", "intercepts", "residuals",
                         "residual.covariances", "means", "lv.variances", "lv.covariances",
                         "regressions"))), "lavaan.json")
