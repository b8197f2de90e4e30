# Reference fit as described by case.json (see ../README.md).
# Run: cd tests/reference/path_fixed_x_false_mlr && Rscript make_reference.R
source("../_lib/case_json.R")
run_case()
