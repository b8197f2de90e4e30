# Reference fit: classic 3-factor CFA on HolzingerSwineford1939 (lavaan defaults).
# Run: cd tests/reference/holzinger_swineford && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv")
fit <- cfa(read_model("model.lav"), data = dat)
write_json_full(lavaan_json(fit), "lavaan.json")
