# Shared helpers for the semwb lavaan reference fixtures.
# Sourced by each case's make_reference.R as source("../_lib/lavaan_json.R");
# all paths are relative to the case folder (run: cd <case> && Rscript make_reference.R).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

FIT_KEYS <- c(chisq = "chisq", df = "df", pvalue = "pvalue", cfi = "cfi",
              tli = "tli", rmsea = "rmsea", rmsea_ci_lower = "rmsea.ci.lower",
              rmsea_ci_upper = "rmsea.ci.upper", srmr = "srmr", aic = "aic",
              bic = "bic", loglik = "logl", baseline_chisq = "baseline.chisq",
              baseline_df = "baseline.df", npar = "npar")

read_model <- function(path = "model.lav") {
  paste(readLines(path, warn = FALSE), collapse = "\n")
}

# NA/NaN -> NULL (JSON null); keep full precision.
num_or_null <- function(x) {
  x <- unname(as.numeric(x))
  if (length(x) != 1L || is.na(x) || !is.finite(x)) NULL else x
}

# parameterEstimates() rows of a multiple-group fit, each with its group and label.
group_rows <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  lapply(seq_len(nrow(pe)), function(i) {
    list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
         group = as.integer(pe$group[i]), label = pe$label[i],
         est = num_or_null(pe$est[i]), se = num_or_null(pe$se[i]),
         std_all = num_or_null(pe$std.all[i]))
  })
}

fit_block <- function(fit) {
  fm <- fitMeasures(fit, unname(FIT_KEYS))
  out <- lapply(names(FIT_KEYS), function(k) num_or_null(fm[[FIT_KEYS[[k]]]]))
  names(out) <- names(FIT_KEYS)
  out
}

# Is each parameterEstimates row free? (matched by lhs/op/rhs in parTable)
free_flags <- function(fit, pe) {
  pt <- parTable(fit)
  key_pt <- paste(pt$lhs, pt$op, pt$rhs, sep = "\r")
  key_pe <- paste(pe$lhs, pe$op, pe$rhs, sep = "\r")
  idx <- match(key_pe, key_pt)
  if (anyNA(idx)) stop("parameterEstimates row not found in parTable")
  pt$free[idx] > 0
}

param_rows <- function(fit, pe = parameterEstimates(fit, standardized = TRUE)) {
  free <- free_flags(fit, pe)
  lab <- if (is.null(pe$label)) rep("", nrow(pe)) else pe$label
  lapply(seq_len(nrow(pe)), function(i) {
    list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = lab[i],
         est = num_or_null(pe$est[i]), se = num_or_null(pe$se[i]),
         z = num_or_null(pe$z[i]), pvalue = num_or_null(pe$pvalue[i]),
         ci_lower = num_or_null(pe$ci.lower[i]),
         ci_upper = num_or_null(pe$ci.upper[i]),
         std_all = num_or_null(pe$std.all[i]), free = free[i])
  })
}

call_block <- function(fit, extra = list()) {
  o <- lavInspect(fit, "options")
  c(list(estimator = o$estimator, se = o$se, information = o$information[1],
         likelihood = o$likelihood, missing = o$missing), extra)
}

r2_block <- function(fit) {
  r2 <- lavInspect(fit, "r2")
  out <- lapply(r2, function(v) num_or_null(v))
  names(out) <- names(r2)
  out
}

lavaan_json <- function(fit, call_extra = list()) {
  list(lavaan_version = as.character(packageVersion("lavaan")),
       call = call_block(fit, call_extra),
       n_obs = as.integer(lavInspect(fit, "nobs")),
       fit = fit_block(fit),
       parameters = param_rows(fit),
       r2 = r2_block(fit))
}

# Shortest decimal string (15, 16 or 17 significant digits) that reads back
# as exactly the same double, so the JSON round-trips bit for bit.
num_text <- function(v) {
  vapply(v, function(x) {
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), x)
      if (as.numeric(s) == x) break
    }
    s
  }, character(1))
}

# jsonlite itself prints at most 15 significant digits; pre-format every
# double and insert it verbatim. NA/NaN/Inf become null.
full_precision <- function(x) {
  if (is.list(x)) {
    nm <- names(x)
    x <- lapply(x, full_precision)
    names(x) <- nm
    return(x)
  }
  if (is.double(x) && length(x) >= 1L && is.null(dim(x))) {
    txt <- ifelse(is.finite(x), num_text(x), "null")
    if (length(x) == 1L && is.null(names(x)))
      return(structure(txt, class = "json"))
    if (!is.null(names(x))) {
      out <- lapply(txt, function(t) structure(t, class = "json"))
      names(out) <- names(x)
      return(out)
    }
    return(structure(paste0("[", paste(txt, collapse = ","), "]"),
                     class = "json"))
  }
  x
}

write_json_full <- function(x, path) {
  txt <- jsonlite::toJSON(full_precision(x), auto_unbox = TRUE, digits = NA,
                          null = "null", na = "null", pretty = TRUE,
                          json_verbatim = TRUE)
  writeLines(txt, path, useBytes = TRUE)
  invisible(path)
}
