# lavaan 0.6.14 fitted to each of semwb's five imputations (imputed.csv, made by
# make_imputations.py), pooled by Rubin's rules with mice::pool.scalar: df and fmi with
# Barnard & Rubin's small-sample df (n = N, k = npar: complete-data df N - npar, as semwb),
# df_large and fmi_large with n = Inf (large-sample df), beside semTools 0.5.6's runMI (sem.mi) pooled estimates, SEs, t and df
# (scale.W = FALSE: Rubin's total variance per parameter; semTools' default scales the
# within-imputation covariance matrix by (1 + ARIV) instead) and its D2 test of the model
# chi-square (lavTestLRT.mi). semTools gives a := effect the delta-method SE of the pooled
# estimates; semwb, like mice, pools each imputation's delta-method SE, so := rows are
# compared with mice only. Run from this folder: Rscript make_reference.R
suppressPackageStartupMessages({
  library(lavaan); library(semTools); library(mice); library(jsonlite)
})
model <- paste(readLines("model.lav", warn = FALSE), collapse = "\n")
long <- read.csv("imputed.csv")
sets <- lapply(split(long, long$imputation),
               function(d) d[, setdiff(names(d), c("imputation", "resp_id"))])
fits <- lapply(sets, function(d) sem(model, data = d))
tables <- lapply(fits, function(f) {
  pe <- parameterEstimates(f)
  pt <- parTable(f)
  free <- pt$free[match(paste(pe$lhs, pe$op, pe$rhs), paste(pt$lhs, pt$op, pt$rhs))] > 0
  pe[free | pe$op == ":=", c("lhs", "op", "rhs", "est", "se")]
})
keys <- tables[[1]][, c("lhs", "op", "rhs")]
Q <- sapply(tables, function(t) t$est)
U <- sapply(tables, function(t) t$se^2)
N <- nrow(sets[[1]])
npar <- unname(fitMeasures(fits[[1]], "npar"))
pooled <- lapply(seq_len(nrow(keys)), function(i) {
  p <- pool.scalar(Q[i, ], U[i, ], n = N, k = npar)
  large <- pool.scalar(Q[i, ], U[i, ], n = Inf)
  list(lhs = keys$lhs[i], op = keys$op[i], rhs = keys$rhs[i], est = p$qbar, ubar = p$ubar,
       b = p$b, se = sqrt(p$t), df = p$df, riv = p$r, fmi = p$fmi, df_large = large$df,
       fmi_large = large$fmi)
})
mi <- sem.mi(model, data = sets)
st <- summary(mi, output = "data.frame", scale.W = FALSE)
st <- st[!is.na(st$t) & st$op != ":=", c("lhs", "op", "rhs", "est", "se", "t", "df")]
d2 <- lavTestLRT.mi(mi, test = "D2", pool.robust = FALSE)
out <- list(
  versions = list(lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools")),
                  mice = as.character(packageVersion("mice"))),
  m = length(fits), n = N, npar = npar, Q = unname(Q), U = unname(U),
  chisq = unname(sapply(fits, fitMeasures, "chisq")), df = unname(fitMeasures(fits[[1]], "df")),
  pooled = pooled,
  semtools = lapply(seq_len(nrow(st)), function(i) as.list(st[i, ])),
  d2 = as.list(d2[c("F", "df1", "df2", "pvalue", "ariv", "fmi")]))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "lavaan_mi.json")
