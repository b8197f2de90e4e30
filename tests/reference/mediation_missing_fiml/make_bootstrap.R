# FIML bootstrap reference for mediation_missing_fiml: lavaan draws rows with
# replacement and refits each resample by FIML (missing = "ml").
# Writes lavaan_bootstrap.json (2000 ordinary draws, set.seed(2026)) and
# boot_draws.csv.gz. Takes several minutes.
# Run: cd tests/reference/mediation_missing_fiml && Rscript make_bootstrap.R
source("../_lib/lavaan_json.R")
source("../_lib/bootstrap_json.R")
dat <- read.csv("data.csv", stringsAsFactors = FALSE)  # empty cells -> NA
res <- bootstrap_reference(read_model("model.lav"), dat, draws = 2000L, seed = 2026L,
                           missing = "ml")
cat("bootstrap elapsed seconds:", res$timing[["elapsed"]], "\n")
