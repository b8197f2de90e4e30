# Reference WLSMV fit as described by case.json (see ../README.md).
# Run: cd tests/reference/ordinal_outcome && Rscript make_reference.R
source("../_lib/case_json.R")
run_case()
