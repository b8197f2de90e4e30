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

# The conditional.x sample statistics (ordered items regressed on observed covariates): probit
# thresholds (res.th) and slopes (res.slopes), residual polychoric correlations (res.cov), the
# covariates' covariance (cov.x) and means (mean.x), the diagonal of NACOV and its full block on
# the statistics that involve only the items in `sub_items` (thresholds, slopes, correlations).
conditional_block <- function(fit, sub_items) {
  ss <- lavInspect(fit, "sampstat")
  gamma <- lavInspect(fit, "gamma")
  mat <- function(m) list(rows = I(rownames(m)), cols = I(colnames(m)),
                          values = lapply(seq_len(nrow(m)), function(i) I(unname(as.numeric(m[i, ])))))
  nm <- rownames(gamma)
  involved <- function(name) {
    parts <- strsplit(name, "\\||~~|~")[[1]]
    parts[1] %in% sub_items && (length(parts) < 2 || grepl("|", name, fixed = TRUE) ||
                                 parts[2] %in% c(sub_items, colnames(ss$res.slopes)))
  }
  keep <- unname(which(vapply(nm, involved, logical(1))))
  list(res_th = ss$res.th, res_slopes = mat(ss$res.slopes), res_cov = mat(ss$res.cov),
       cov_x = mat(ss$cov.x), mean_x = ss$mean.x,
       gamma_names = I(nm), gamma_diag = unname(diag(gamma)),
       sub_gamma_names = I(nm[keep]),
       sub_gamma = lapply(keep, function(i) I(unname(as.numeric(gamma[i, keep])))))
}

# run_case() plus conditional.json next to lavaan.json.
run_conditional_case <- function(sub_items) {
  run <- run_case()
  write_json_full(conditional_block(run$fit, sub_items), "conditional.json")
  invisible(run)
}
