# Reference WLSMV fit as described by case.json (see ../README.md), plus ordinal.json.
# Run: cd tests/reference/ordinal_binary_zero_cell && Rscript make_reference.R
source("../_lib/case_json.R")
source("../_lib/ordinal_json.R")
run_ordinal_case(c("ai1", "ai2", "ai7"))
