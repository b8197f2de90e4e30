# Measurement references WITH MISSING ANSWERS, on a copy of semwb's example data in data.csv
# (surveys/examples/alliance.csv, N = 320, raw: ar4 reverse-worded, ~0.4 % missing, careless
# respondents kept). Checks how semwb treats missing answers against psych / semTools defaults.
# Run: cd tests/reference/measurement_alliance_missing && Rscript make_reference.R
source("../_lib/lavaan_json.R")
suppressPackageStartupMessages({ library(semTools); library(psych) })

raw <- read.csv("data.csv", stringsAsFactors = FALSE)
raw$ar4 <- 8 - raw$ar4                      # reverse-code ar4 (1-7 scale)
constructs <- list(AR = paste0("ar", 1:4), IOL = paste0("iol", 1:4), AI = paste0("ai", 1:6),
                   KS = paste0("ks", 1:4), TR = paste0("tr", 1:3))
items <- unlist(constructs, use.names = FALSE)
X <- raw[, items]
model <- paste(sapply(names(constructs), function(cn)
  paste0(cn, " =~ ", paste(constructs[[cn]], collapse = " + "))), collapse = "\n")

fit <- cfa(model, data = X)                  # missing = "listwise" (lavaan's default)
std <- standardizedSolution(fit)
lv <- lavInspect(fit, "cor.lv")
per <- list()
for (cn in names(constructs)) {
  it <- constructs[[cn]]
  a <- psych::alpha(X[, it], warnings = FALSE)  # use = "pairwise" (psych's default)
  l <- std$est.std[std$op == "=~" & std$lhs == cn]
  per[[cn]] <- list(
    items = it,
    n_missing = sum(is.na(X[, it])),
    alpha_raw = num_or_null(a$total$raw_alpha),
    alpha_feldt_ci_lower = num_or_null(a$feldt$lower.ci[[1]]),
    alpha_feldt_ci_upper = num_or_null(a$feldt$upper.ci[[1]]),
    item_r_drop = setNames(lapply(a$item.stats$r.drop, num_or_null), it),
    item_alpha_drop = setNames(lapply(a$alpha.drop$raw_alpha, num_or_null), it),
    item_mean = setNames(lapply(a$item.stats$mean, num_or_null), it),
    item_sd = setNames(lapply(a$item.stats$sd, num_or_null), it),
    CR_fornell_larcker = num_or_null(sum(l)^2 / (sum(l)^2 + sum(1 - l^2))),
    AVE_fornell_larcker = num_or_null(mean(l^2)),
    compRelSEM_kfactor_implied = num_or_null(compRelSEM(fit, obs.var = FALSE)[[cn]]))
}
pairs <- function(M) {
  out <- list()
  nm <- rownames(M)
  for (i in seq_along(nm)) for (j in seq_len(i - 1L))
    out[[length(out) + 1L]] <- list(row = nm[i], col = nm[j], value = num_or_null(M[i, j]))
  out
}
kmo <- psych::KMO(X)                        # cor(X, use = "pairwise")
Rp <- cor(X, use = "pairwise")
bart <- psych::cortest.bartlett(Rp, n = nrow(X))
ev <- eigen(Rp, symmetric = TRUE, only.values = TRUE)$values
out <- list(
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools")),
                  psych = as.character(packageVersion("psych"))),
  data = "data.csv",
  reverse_coded = list("ar4"),
  n_rows = nrow(X), n_complete = sum(complete.cases(X)), cfa_model = model,
  definitions = list(
    alpha = "psych::alpha(items) defaults: pairwise-complete covariances; Feldt CI with n = rows",
    item_stats = "psych::alpha(items)$item.stats r.drop (item vs. sum of the others), mean, sd; $alpha.drop raw_alpha",
    cfa = "lavaan cfa(model, data) defaults: ML, missing = 'listwise' over all model items",
    htmt = "semTools::htmt(model, data) defaults (missing = 'listwise'); htmt2 = FALSE and TRUE",
    kmo_bartlett_harman = "psych::KMO(X), cortest.bartlett(cor(X, use = 'pairwise'), n = nrow(X)), first eigenvalue of that matrix / p"),
  constructs = per,
  latent_correlations = pairs(lv),
  htmt = pairs(htmt(model, data = X, htmt2 = FALSE)),
  htmt2 = pairs(htmt(model, data = X, htmt2 = TRUE)),
  kmo_overall_msa = num_or_null(kmo$MSA),
  bartlett = list(chisq = num_or_null(bart$chisq), df = num_or_null(bart$df),
                  pvalue = num_or_null(bart$p.value)),
  harman_eigen_share = num_or_null(ev[1] / length(items)))
write_json_full(out, "measurement.json")
