# Reference WLSMV fit with observed covariates (conditional.x) as described by case.json (see
# ../README.md), plus conditional.json (the conditional sample statistics and their NACOV).
# Run: cd tests/reference/ordinal_covariates && Rscript make_reference.R
source("../_lib/case_json.R")
source("../_lib/ordinal_json.R")
run_conditional_case(c("ar1", "ar2", "ar3"))
