# Measurement-quality references (psych / semTools / lavaan) on the
# mediation_single data. Writes measurement.json.
# Run: cd tests/reference/measurement_mediation_single && Rscript make_reference.R
source("../_lib/lavaan_json.R")
source("../_lib/measurement_json.R")
dat <- read.csv("../mediation_single/data.csv", stringsAsFactors = FALSE)
out <- measurement_reference(dat, read_model("model_cfa.lav"))
out$data <- "../mediation_single/data.csv"
write_json_full(out, "measurement.json")
