# Reference fit as described by case.json (see ../README.md).
# Run: cd tests/reference/hs_mlr_means && Rscript make_reference.R
source("../_lib/case_json.R")
run_case()
