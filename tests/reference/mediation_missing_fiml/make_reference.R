# Reference fit for mediation_missing_fiml: the mediation_single model on the
# same data with ~5% MCAR item values removed, fitted by FIML (missing = "ml").
# Run: cd tests/reference/mediation_missing_fiml && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv", stringsAsFactors = FALSE)  # empty cells -> NA
fit <- sem(read_model("model.lav"), data = dat, missing = "ml")
out <- lavaan_json(fit)
out$missing_info <- list(
  n_rows = nrow(dat),
  n_complete_rows = sum(complete.cases(dat[, lavNames(fit, "ov")])),
  n_missing_cells = sum(is.na(dat[, lavNames(fit, "ov")])),
  n_patterns = nrow(lavInspect(fit, "patterns")),
  note = paste("missing = 'ml' (FIML) estimates means/intercepts too: the",
               "'~1' rows are part of the parameter list; chisq/baseline are",
               "against the unrestricted H1 model estimated by EM"))
write_json_full(out, "lavaan.json")
