# Reference fits for mediation_single (simulated AR -> IOL -> AI mediation).
# Writes lavaan.json (ML, standard SEs) and lavaan_bootstrap.json
# (5000 ordinary bootstrap draws, set.seed(2026)) + boot_draws.csv.gz.
# Run: cd tests/reference/mediation_single && Rscript make_reference.R
# (the bootstrap takes a few minutes; Rscript make_reference.R --no-boot skips it)
source("../_lib/lavaan_json.R")
source("../_lib/bootstrap_json.R")
dat <- read.csv("data.csv", stringsAsFactors = FALSE)
model <- read_model("model.lav")

fit <- sem(model, data = dat)
write_json_full(lavaan_json(fit), "lavaan.json")

if (!("--no-boot" %in% commandArgs(trailingOnly = TRUE))) {
  res <- bootstrap_reference(model, dat, draws = 5000L, seed = 2026L)
  cat("bootstrap elapsed seconds:", res$timing[["elapsed"]], "\n")
}
