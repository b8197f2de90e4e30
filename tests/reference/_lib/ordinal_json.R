# Sample statistics of an ordinal (WLSMV) fit, for the unit tests of semwb's
# thresholds, polychoric correlations and their asymptotic covariance.
# Sourced after case_json.R by the make_reference.R of ordinal cases.

# lavInspect(fit, "sampstat") thresholds and polychoric correlations, the
# diagonal of NACOV (lavInspect(fit, "gamma"), N times the asymptotic
# covariance of (thresholds, lower-triangle correlations)) and, for the first
# `full_items` items, lavCor's full NACOV on those items alone (the ones in
# `ordered` as ordinal, the others as continuous).
ordinal_block <- function(fit, data, full_items, ordered) {
  ss <- lavInspect(fit, "sampstat")
  gamma <- lavInspect(fit, "gamma")
  small <- lavCor(data[, full_items], ordered = intersect(full_items, ordered), output = "fit",
                  estimator = "WLSMV")
  g_small <- lavInspect(small, "gamma")
  list(thresholds = ss$th,
       polychoric = list(rows = rownames(ss$cov), values = lapply(seq_len(nrow(ss$cov)),
                         function(i) I(unname(as.numeric(ss$cov[i, a <- seq_len(nrow(ss$cov))]))))),
       gamma_names = I(rownames(gamma)),
       gamma_diag = unname(diag(gamma)),
       small_items = I(full_items),
       small_gamma_names = I(rownames(g_small)),
       small_gamma = lapply(seq_len(nrow(g_small)), function(i) I(unname(as.numeric(g_small[i, ])))))
}

# run_case() plus ordinal.json next to lavaan.json.
run_ordinal_case <- function(full_items) {
  run <- run_case()
  case <- jsonlite::fromJSON("case.json", simplifyVector = TRUE)
  dat <- read_case_data(case$data)
  write_json_full(ordinal_block(run$fit, dat, full_items, case$args$ordered), "ordinal.json")
  invisible(run)
}
