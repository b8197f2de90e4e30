# Multiple-group WLSMV (lavaan 0.6.14): the three-factor CFA of ordinal_groups' 5-category items
# by ownership (group = "owner": state, nonstate), configural and with
# group.equal = c("loadings", "thresholds") (lavaan's delta-parameterization identification:
# scales ~*~ and latent means free in the second group). Writes lavaan.json with one entry per
# fit: parameter rows (parameterEstimates, standardized), fit measures and each group's R².
# Data: python3 recode.py. Run: cd tests/reference/ordinal_groups && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv", stringsAsFactors = FALSE)
model <- read_model("model.lav")
items <- c(paste0("ar", 1:4), paste0("iol", 1:4), paste0("ai", 1:6))
measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea", "rmsea.scaled", "srmr")
one_fit <- function(equal) {
  fit <- cfa(model, data = dat, ordered = items, group = "owner", estimator = "WLSMV",
             group.equal = equal)
  pe <- parameterEstimates(fit, standardized = TRUE)
  fm <- fitMeasures(fit, measures)
  list(group_equal = I(equal), groups = I(lavInspect(fit, "group.label")),
       n_obs = I(lavInspect(fit, "nobs")),
       r2 = lapply(lavInspect(fit, "r2"), function(v) as.list(v)),
       fit = setNames(lapply(fm, num_or_null), gsub(".", "_", names(fm), fixed = TRUE)),
       parameters = lapply(seq_len(nrow(pe)), function(i) {
         list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], group = as.integer(pe$group[i]),
              label = pe$label[i], est = num_or_null(pe$est[i]), se = num_or_null(pe$se[i]),
              std_all = num_or_null(pe$std.all[i]))
       }))
}
write_json_full(list(configural = one_fit("none"),
                     loadings_thresholds = one_fit(c("loadings", "thresholds"))), "lavaan.json")
