# Reference fit as described by case.json (see ../README.md).
# Run: cd tests/reference/regression_mlr && Rscript make_reference.R
source("../_lib/case_json.R")
run_case()
