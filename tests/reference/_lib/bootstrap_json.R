# Bootstrap reference helper (sourced after lavaan_json.R).
# Fits `model` with se = "bootstrap" and writes lavaan_bootstrap.json
# (+ boot_draws.csv.gz when it is under 2 MB).

# Percentile interpolation used by lavaan 0.6.14's parameterEstimates() for
# boot.ci.type = "perc" (copied from it; it is boot::norm.inter): order
# statistics at (R + 1) * alpha, interpolated on the normal-quantile scale.
lav_norm_inter <- function(t, alpha) {
  t <- t[is.finite(t)]
  R <- length(t)
  rk <- (R + 1) * alpha
  if (!all(rk > 1 & rk < R)) warning("extreme order statistics used as endpoints")
  k <- trunc(rk)
  inds <- seq_along(k)
  out <- inds
  kvs <- k[k > 0 & k < R]
  tstar <- sort(t, partial = sort(union(c(1, R), c(kvs, kvs + 1))))
  ints <- (k == rk)
  if (any(ints)) out[inds[ints]] <- tstar[k[inds[ints]]]
  out[k == 0] <- tstar[1L]
  out[k == R] <- tstar[R]
  temp <- inds[!ints & k != 0 & k != R]
  temp1 <- qnorm(alpha[temp])
  temp2 <- qnorm(k[temp] / (R + 1))
  temp3 <- qnorm((k[temp] + 1) / (R + 1))
  tk <- tstar[k[temp]]
  tk1 <- tstar[k[temp] + 1L]
  out[temp] <- tk + (temp1 - temp2) / (temp3 - temp2) * (tk1 - tk)
  out
}

bootstrap_reference <- function(model, data, draws, seed = 2026L,
                                json_path = "lavaan_bootstrap.json",
                                draws_path = "boot_draws.csv.gz",
                                max_draws_bytes = 2 * 1024^2,
                                std_rows = function(pe) pe$op == "~" | pe$op == ":=",
                                ...) {
  # ...: further sem() arguments (e.g. missing = "ml" for a FIML bootstrap)
  set.seed(seed)
  timing <- system.time(
    fit <- sem(model, data = data, se = "bootstrap", bootstrap = draws, ...)
  )
  BOOT <- lavInspect(fit, "boot")
  err_idx <- attr(BOOT, "error.idx")
  nonadm <- attr(BOOT, "nonadmissible")

  pe_perc <- parameterEstimates(fit, level = 0.95, boot.ci.type = "perc",
                                standardized = TRUE)
  pe_bc <- parameterEstimates(fit, level = 0.95, boot.ci.type = "bca.simple")
  stopifnot(identical(pe_perc$lhs, pe_bc$lhs), identical(pe_perc$rhs, pe_bc$rhs))
  free <- free_flags(fit, pe_perc)
  lab <- if (is.null(pe_perc$label)) rep("", nrow(pe_perc)) else pe_perc$label

  # Standardized (std.all) solution of every bootstrap draw: lavaan's own
  # internal lav_standardize_all_x(x, lavobject) -- the function lavaan
  # differentiates for standardizedSolution()'s delta-method SEs -- applied
  # to each row of the bootstrap coefficient matrix (no refit).
  pt <- parTable(fit)
  STD <- t(apply(BOOT, 1, function(x) lavaan:::lav_standardize_all_x(x, fit)))
  stopifnot(ncol(STD) == nrow(pt))
  std_point <- lavaan:::lav_standardize_all_x(
    lavaan:::lav_model_get_parameters(fit@Model), fit)
  ss <- standardizedSolution(fit)  # delta method with the bootstrap vcov
  key <- function(l, o, r) paste(l, o, r, sep = "\r")
  pt_idx <- match(key(pe_perc$lhs, pe_perc$op, pe_perc$rhs), key(pt$lhs, pt$op, pt$rhs))
  ss_idx <- match(key(pe_perc$lhs, pe_perc$op, pe_perc$rhs), key(ss$lhs, ss$op, ss$rhs))
  want_std <- std_rows(pe_perc)

  # self-check: lav_norm_inter reproduces lavaan's perc CIs of the free rows
  free_rows <- which(free)
  free_pt <- pt$free[pt_idx[free_rows]]
  my_ci <- t(apply(BOOT[, free_pt, drop = FALSE], 2, lav_norm_inter, c(0.025, 0.975)))
  stopifnot(isTRUE(all.equal(unname(my_ci),
                             unname(cbind(pe_perc$ci.lower[free_rows],
                                          pe_perc$ci.upper[free_rows])),
                             tolerance = 1e-12)))
  # self-check: documented SE rule for the free rows (n denominator)
  R <- nrow(BOOT)
  stopifnot(isTRUE(all.equal(unname(sqrt(diag(cov(BOOT)) * (R - 1) / R))[free_pt],
                             pe_perc$se[free_rows], tolerance = 1e-10)))

  rows <- lapply(seq_len(nrow(pe_perc)), function(i) {
    r <- list(lhs = pe_perc$lhs[i], op = pe_perc$op[i], rhs = pe_perc$rhs[i],
              label = lab[i], free = free[i],
              est = num_or_null(pe_perc$est[i]), se = num_or_null(pe_perc$se[i]),
              perc_lower = num_or_null(pe_perc$ci.lower[i]),
              perc_upper = num_or_null(pe_perc$ci.upper[i]),
              bc_lower = num_or_null(pe_bc$ci.lower[i]),
              bc_upper = num_or_null(pe_bc$ci.upper[i]),
              std_all = num_or_null(pe_perc$std.all[i]))
    if (want_std[i]) {
      d <- STD[, pt_idx[i]]
      stopifnot(isTRUE(all.equal(std_point[pt_idx[i]], pe_perc$std.all[i])))
      q <- lav_norm_inter(d, c(0.025, 0.975))            # as lavaan's "perc"
      q7 <- quantile(d, c(0.025, 0.975), names = FALSE)  # R type 7 = numpy default
      r$std_all_se <- num_or_null(sd(d))
      r$std_all_se_ddof0 <- num_or_null(sqrt(mean((d - mean(d))^2)))
      r$std_all_perc_lower <- num_or_null(q[1])
      r$std_all_perc_upper <- num_or_null(q[2])
      r$std_all_q7_lower <- num_or_null(q7[1])
      r$std_all_q7_upper <- num_or_null(q7[2])
      r$std_all_boot_mean <- num_or_null(mean(d))
      r$std_all_se_lavaan_delta <- num_or_null(ss$se[ss_idx[i]])
    }
    r
  })

  # raw bootstrap coefficient matrix (free parameters), full precision
  draws_file <- NULL
  tmp <- tempfile(fileext = ".csv.gz")
  con <- gzfile(tmp, "w")
  txt <- apply(BOOT, 2, num_text)
  writeLines(paste(colnames(BOOT), collapse = ","), con)
  writeLines(apply(txt, 1, paste, collapse = ","), con)
  close(con)
  draws_bytes <- file.size(tmp)
  if (draws_bytes < max_draws_bytes) {
    file.copy(tmp, draws_path, overwrite = TRUE)
    draws_file <- draws_path
  } else if (file.exists(draws_path)) {
    file.remove(draws_path)
  }
  unlink(tmp)

  out <- list(
    lavaan_version = as.character(packageVersion("lavaan")),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    call = c(call_block(fit),
             list(bootstrap = as.integer(draws), bootstrap_type = "ordinary",
                  seed = as.integer(seed), level = 0.95, parallel = "no",
                  rng_kind = RNGkind())),
    n_obs = as.integer(lavInspect(fit, "nobs")),
    draws_requested = as.integer(draws),
    draws_succeeded = nrow(BOOT),
    draws_failed = length(err_idx),
    error_idx = as.integer(err_idx),
    nonadmissible_idx = as.integer(nonadm),
    elapsed_seconds = unname(timing[["elapsed"]]),
    elapsed_note = paste("system.time() elapsed of the whole sem(..., se = 'bootstrap')",
                         "call (initial fit + draws), serial, on a shared 2-core machine"),
    boot_draws_file = draws_file,
    boot_draws_gz_bytes = as.integer(draws_bytes),
    std_all_method = paste(
      "std_all_* columns (only for '~' and ':=' rows): std.all solution of",
      "each bootstrap draw via lavaan:::lav_standardize_all_x(draw, fit);",
      "std_all_se = sd() over draws (n-1 denominator), std_all_se_ddof0 =",
      "same with n denominator; std_all_perc_* = lavaan's own 'perc' rule",
      "(boot::norm.inter interpolation at (R+1)*alpha, see se_ci_rules);",
      "std_all_q7_* = quantile(type = 7), numpy's default;",
      "std_all_boot_mean = mean over draws; std_all_se_lavaan_delta =",
      "standardizedSolution(fit)$se, i.e. lavaan's delta method using the",
      "bootstrap vcov"),
    ci_note = "perc_* = boot.ci.type 'perc'; bc_* = boot.ci.type 'bca.simple' (bias-corrected, no acceleration)",
    se_ci_rules = list(
      se_free = "free parameters: sqrt(diag(cov(draws) * (R-1)/R)), i.e. n (not n-1) denominator (lav_model_nvcov_bootstrap)",
      se_defined = "':=' parameters: sqrt(diag(cov(def(draws)))), i.e. n-1 denominator (lav_model_vcov_se)",
      perc = "not quantile type 7: order statistics k = trunc((R+1)*alpha), interpolated between t(k), t(k+1) on the qnorm scale (boot::norm.inter); exact order statistic when (R+1)*alpha is an integer",
      bca_simple = "z0 = qnorm(mean(draws < est)); adjusted alpha = pnorm(2*z0 + qnorm(alpha)); then the perc rule at the adjusted alpha",
      fixed_rows = "fixed rows: se 0, CI endpoints equal to the fixed value"),
    fit = fit_block(fit),
    parameters = rows)
  write_json_full(out, json_path)
  invisible(list(fit = fit, timing = timing, boot = BOOT))
}
