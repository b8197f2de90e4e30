# Reference fit for regression_observed: observed-variable path model,
# sem() defaults (fixed.x = TRUE: the x1/x2 variances and covariance are
# fixed at their sample values, free = false, and no intercepts/means).
# Run: cd tests/reference/regression_observed && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv")
fit <- sem(read_model("model.lav"), data = dat)
stopifnot(isTRUE(lavInspect(fit, "options")$fixed.x))
write_json_full(lavaan_json(fit, call_extra = list(fixed_x = TRUE)), "lavaan.json")
