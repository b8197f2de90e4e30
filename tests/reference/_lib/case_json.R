# Replay a case described by its case.json and write the extended lavaan.json.
# Sourced by the make_reference.R of the cases that have a case.json:
#   source("../_lib/case_json.R"); run_case()
# Paths are relative to the case folder (cd <case> && Rscript make_reference.R).
# Builds on lavaan_json.R: every key lavaan_json() writes is kept as is, the
# extended keys are added (see ../README.md, "Extended lavaan.json").

source("../_lib/lavaan_json.R")

# lavaan's option names recorded under "options" (as in lavInspect(fit, "options")).
OPTION_KEYS <- c("meanstructure", "std.lv", "fixed.x", "conditional.x",
                 "missing", "int.ov.free", "int.lv.free", "orthogonal",
                 "auto.cov.y", "estimator", "information", "se")

# fitMeasures() name -> JSON key: dots become underscores, "logl" -> "loglik".
fit_key <- function(name) sub("logl$", "loglik", gsub(".", "_", name, fixed = TRUE))

# Every fitMeasures() value: the keys of fit_block() first (same order, same
# values), then the remaining measures in lavaan's order.
fit_block_all <- function(fit) {
  out <- fit_block(fit)
  fm <- fitMeasures(fit)
  for (name in names(fm)) {
    key <- fit_key(name)
    if (!key %in% names(out)) out[[key]] <- num_or_null(fm[[name]])
  }
  out
}

# Row list of parameterEstimates(fit, standardized = TRUE) plus std_lv and
# std_nox (its std.lv / std.nox columns) appended after the existing keys.
param_rows_all <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  rows <- param_rows(fit, pe)
  for (i in seq_along(rows)) {
    rows[[i]]$std_lv <- num_or_null(pe$std.lv[i])
    rows[[i]]$std_nox <- num_or_null(pe$std.nox[i])
  }
  rows
}

options_block <- function(fit) {
  o <- lavInspect(fit, "options")
  out <- lapply(OPTION_KEYS, function(k) {
    v <- o[[k]]
    if (k == "information") v[1] else v
  })
  names(out) <- OPTION_KEYS
  out
}

# lavInspect(fit, "implied"): each matrix as names + rows, each vector named.
implied_block <- function(fit) {
  imp <- lavInspect(fit, "implied")
  out <- lapply(imp, function(m) {
    if (is.matrix(m)) {
      list(rows = rownames(m), cols = colnames(m),
           values = lapply(seq_len(nrow(m)), function(i) I(unname(as.numeric(m[i, ])))))
    } else {
      v <- as.numeric(m)
      names(v) <- names(m)
      v
    }
  })
  names(out) <- names(imp)
  out
}

# Evaluate a lavaan call, recording (and silencing) every R warning it raises
# and its elapsed seconds.
fit_recording <- function(expr) {
  warns <- character(0)
  t <- system.time(fit <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  }))
  list(fit = fit, warnings = warns, elapsed = unname(t[["elapsed"]]))
}

# lavaan_json() plus the extended keys.
case_lavaan_json <- function(run, call_extra = list()) {
  fit <- run$fit
  out <- lavaan_json(fit, call_extra)
  out$fit <- fit_block_all(fit)
  out$parameters <- param_rows_all(fit)
  out$options <- options_block(fit)
  out$warnings <- I(run$warnings)
  out$implied <- implied_block(fit)
  out$converged <- lavInspect(fit, "converged")
  out$iterations <- lavInspect(fit, "iterations")
  out$elapsed_seconds <- run$elapsed
  out
}

read_case_data <- function(path) {
  read.csv(path, check.names = FALSE, encoding = "UTF-8", fileEncoding = "UTF-8",
           stringsAsFactors = FALSE)
}

read_case_model <- function(path = "model.lav") {
  paste(readLines(path, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
}

# Fit the case as case.json says: <function>(model.lav, data = <data>, <args>).
run_case <- function(case_file = "case.json", out = "lavaan.json") {
  case <- jsonlite::fromJSON(case_file, simplifyVector = TRUE)
  fun <- match.arg(case[["function"]], c("sem", "cfa", "growth"))
  dat <- read_case_data(case$data)
  args <- c(list(model = read_case_model(), data = dat), case$args)
  run <- fit_recording(do.call(fun, args))  # fun by name: lavaan reads its caller's name
  write_json_full(case_lavaan_json(run), out)
  invisible(run)
}
