# Reference fit: the full SEM of the lavaan tutorial on PoliticalDemocracy.
# Run: cd tests/reference/political_democracy && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv")
fit <- sem(read_model("model.lav"), data = dat)
write_json_full(lavaan_json(fit), "lavaan.json")
