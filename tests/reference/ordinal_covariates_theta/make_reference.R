# Reference WLSMV fit with covariates in the theta parameterization, as described by case.json
# (see ../README.md), plus conditional.json.
# Run: cd tests/reference/ordinal_covariates_theta && Rscript make_reference.R
source("../_lib/case_json.R")
source("../_lib/ordinal_json.R")
run_conditional_case(c("iol1", "iol2"))
