# lavaan fits of the CMV models semwb generates (CFA marker technique: cfa, baseline, method_c,
# method_u, method_r; the ULMC), all with std.lv = TRUE as semwb fits them.
# Run: cd tests/reference/cmv_marker && Rscript make_reference.R
source("../_lib/lavaan_json.R")
dat <- read.csv("data.csv")
models <- c("cfa", "baseline", "method_c", "method_u", "method_r", "ulmc")
out <- lapply(models, function(m) {
  fit <- cfa(read_model(paste0(m, ".lav")), data = dat, std.lv = TRUE)
  std <- standardizedSolution(fit)
  method <- std[std$op == "=~" & std$lhs == "METHOD", ]
  list(chisq = fitMeasures(fit, "chisq")[[1]], df = fitMeasures(fit, "df")[[1]],
       method_loadings = as.list(setNames(method$est.std, method$rhs)))
})
names(out) <- models
out$lavaan <- as.character(packageVersion("lavaan"))
write_json_full(out, "reference.json")
