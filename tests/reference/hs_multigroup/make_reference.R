# Multiple-group models on lavaan's HolzingerSwineford1939, grouped by school
# (Pasteur, Grant-White): the invariance ladder of lavaan's documentation
# (configural, metric = loadings, scalar = + intercepts, strict = + residuals),
# lavTestLRT between the steps, lavTestScore of the scalar model's equality
# constraints, a partial-invariance model (group.partial), a model with
# group-specific labels c(...) and a := of their difference, and a shared
# label across groups. Run: cd tests/reference/hs_multigroup && Rscript make_reference.R
source("../_lib/lavaan_json.R")

dat <- HolzingerSwineford1939[, c("id", "school", "sex", paste0("x", 1:9))]
write.csv(dat, "data.csv", row.names = FALSE)
dat <- read.csv("data.csv", stringsAsFactors = FALSE)

hs <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

rows_of <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  pt <- parTable(fit)
  key_pt <- paste(pt$lhs, pt$op, pt$rhs, pt$group, sep = "\r")
  idx <- match(paste(pe$lhs, pe$op, pe$rhs, pe$group, sep = "\r"), key_pt)
  lapply(seq_len(nrow(pe)), function(i) {
    list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
         group = as.integer(pe$group[i]), label = pe$label[i],
         est = num_or_null(pe$est[i]), se = num_or_null(pe$se[i]),
         std_all = num_or_null(pe$std.all[i]),
         free = if (is.na(idx[i])) FALSE else pt$free[idx[i]] > 0)
  })
}

case_of <- function(fit, model, args) {
  list(model = model, args = args, n_obs = as.integer(lavInspect(fit, "nobs")),
       group_labels = lavInspect(fit, "group.label"),
       fit = fit_block(fit), parameters = rows_of(fit))
}

fit_case <- function(model, args) {
  fit <- do.call("cfa", c(list(model = model, data = dat, group = "school"), args))
  list(fit = fit, json = case_of(fit, model, args))
}

configural <- fit_case(hs, list())
metric <- fit_case(hs, list(group.equal = "loadings"))
scalar <- fit_case(hs, list(group.equal = c("loadings", "intercepts")))
strict <- fit_case(hs, list(group.equal = c("loadings", "intercepts", "residuals")))
partial <- fit_case(hs, list(group.equal = c("loadings", "intercepts"),
                             group.partial = c("x3~1", "x7~1")))
allequal <- fit_case(hs, list(group.equal = c("loadings", "intercepts", "residuals",
                                              "lv.variances", "lv.covariances", "means")))
stdlv <- fit_case(hs, list(group.equal = "loadings", std.lv = TRUE))
labels <- fit_case(paste(
  "visual =~ x1 + c(v2a, v2b)*x2 + x3",
  "textual =~ x4 + t*x5 + t*x6",
  "speed =~ x7 + x8 + x9",
  "visual ~~ c(cv1, cv2)*textual",
  "dv := v2a - v2b",
  "dc := cv1 - cv2", sep = "\n"), list())

lrt <- lavTestLRT(configural$fit, metric$fit, scalar$fit, strict$fit)
score <- lavTestScore(scalar$fit)
score_uni <- score$uni
pt <- parTable(scalar$fit)
score_rows <- lapply(seq_len(nrow(score_uni)), function(i) {
  lhs <- score_uni$lhs[i]; rhs <- score_uni$rhs[i]
  a <- pt[pt$plabel == lhs, ]
  list(lhs = lhs, rhs = rhs, par_lhs = a$lhs, par_op = a$op, par_rhs = a$rhs,
       X2 = num_or_null(score_uni$X2[i]), df = as.integer(score_uni$df[i]),
       pvalue = num_or_null(score_uni$p.value[i]))
})

out <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  cases = list(configural = configural$json, metric = metric$json,
               scalar = scalar$json, strict = strict$json, partial = partial$json,
               allequal = allequal$json, stdlv = stdlv$json, labels = labels$json),
  lrt = list(chisq = as.numeric(lrt$Chisq), df = as.integer(lrt$Df),
             chisq_diff = sapply(lrt[["Chisq diff"]], num_or_null),
             df_diff = sapply(lrt[["Df diff"]], num_or_null),
             pvalue = sapply(lrt[["Pr(>Chisq)"]], num_or_null)),
  score_test = list(total = list(X2 = num_or_null(score$test$X2),
                                 df = as.integer(score$test$df)),
                    uni = score_rows))
write_json_full(out, "lavaan.json")
