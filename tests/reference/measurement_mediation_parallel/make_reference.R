# Measurement-quality references (psych / semTools / lavaan) on the
# mediation_parallel data. Writes measurement.json.
# Run: cd tests/reference/measurement_mediation_parallel && Rscript make_reference.R
source("../_lib/lavaan_json.R")
source("../_lib/measurement_json.R")
dat <- read.csv("../mediation_parallel/data.csv", stringsAsFactors = FALSE)
out <- measurement_reference(dat, read_model("model_cfa.lav"))
out$data <- "../mediation_parallel/data.csv"
write_json_full(out, "measurement.json")
