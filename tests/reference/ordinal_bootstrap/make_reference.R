# lavaan's WLSMV bootstrap (DWLS estimates as WLSMV: lavaan 0.6.14 asks for estimator = "DWLS"
# with se = "bootstrap"; ordinary, 1000 draws after set.seed(2026)) of the
# model in model.lav on ordinal_mediation's items, for a comparison within Monte Carlo error.
# Run: cd tests/reference/ordinal_bootstrap && Rscript make_reference.R   (a few minutes)
library(lavaan)
library(jsonlite)
d <- read.csv("../ordinal_mediation/data.csv", check.names = FALSE)
model <- paste(readLines("model.lav"), collapse = "\n")
items <- c("iol1", "iol2", "iol3", "iol4", "ai1", "ai2", "ai3")
draws <- 1000L
set.seed(2026)
elapsed <- system.time(fit <- sem(model, data = d, ordered = items, estimator = "DWLS",
                                  se = "bootstrap", bootstrap = draws))[["elapsed"]]
robust <- sem(model, data = d, ordered = items, estimator = "WLSMV")
pe <- parameterEstimates(fit)
pr <- parameterEstimates(robust)
boot <- lavInspect(fit, "boot")
rows <- lapply(seq_len(nrow(pe)), function(i) list(
  lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = pe$label[i], est = pe$est[i],
  se_boot = pe$se[i], se_robust = pr$se[i]))
out <- list(lavaan_version = as.character(packageVersion("lavaan")), draws_requested = draws,
            draws_succeeded = nrow(boot), seed = 2026L, elapsed_seconds = elapsed,
            ordered = items, parameters = rows)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "lavaan_bootstrap.json")
