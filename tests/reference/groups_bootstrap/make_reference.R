# lavaan 0.6.14's bootstrap of a 2-group mediation (groups_robust's mediation data, own 1 and
# 2): se = "bootstrap" draws rows within each group and refits; every row's bootstrap SE and
# percentile interval (boot.ci.type = "perc"), := effects of group-specific labels included
# (the difference of the indirect effect between the groups). semwb cannot reproduce lavaan's
# draws, so the tests compare in distribution (within Monte Carlo error).
# Run: cd tests/reference/groups_bootstrap && Rscript make_reference.R
source("../_lib/lavaan_json.R")

med <- read.csv("../groups_robust/mediation.csv", stringsAsFactors = FALSE)
model <- read_model("../groups_robust/mediation.lav")
draws <- 1000L
set.seed(2026L)
timing <- system.time(
  fit <- sem(model, data = med, group = "own", group.equal = "loadings",
             se = "bootstrap", bootstrap = draws))
boot <- lavInspect(fit, "boot")
pe <- parameterEstimates(fit, level = 0.95, boot.ci.type = "perc")
rows <- lapply(seq_len(nrow(pe)), function(i) {
  list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], group = as.integer(pe$group[i]),
       label = pe$label[i], est = num_or_null(pe$est[i]), se = num_or_null(pe$se[i]),
       ci_lower = num_or_null(pe$ci.lower[i]), ci_upper = num_or_null(pe$ci.upper[i]))
})
out <- list(lavaan_version = as.character(packageVersion("lavaan")), model = model,
            group = "own", group_equal = "loadings", draws = draws,
            succeeded = nrow(boot) - length(attr(boot, "error.idx")), seed = 2026L,
            elapsed_seconds = unname(timing[["elapsed"]]),
            n_obs = as.integer(lavInspect(fit, "nobs")),
            group_labels = lavInspect(fit, "group.label"), parameters = rows)
write_json_full(out, "lavaan_bootstrap.json")
