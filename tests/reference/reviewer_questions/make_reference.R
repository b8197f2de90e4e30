# Reference values for what reviewers ask after the main model (issue 14):
# modification indices (lavaan::modindices; HS CFA, PoliticalDemocracy, a model with covariates), nested model comparison (lavaan::lavTestLRT),
# HTMT / HTMT2 (semTools::htmt) and reliability of a second-order factor
# (semTools::compRelSEM(higher =), semTools::AVE), also of the shipped H7 spec's second-order factor.
# Run: cd tests/reference/reviewer_questions && Rscript make_reference.R
source("../_lib/lavaan_json.R")
suppressPackageStartupMessages(library(semTools))

hs <- read.csv("../holzinger_swineford/data.csv")
pd <- read.csv("../political_democracy/data.csv")
hs_model <- read_model("../holzinger_swineford/model.lav")
pd_model <- read_model("../political_democracy/model.lav")

mi_rows <- function(fit) {
  mi <- modindices(fit)
  mi <- as.data.frame(mi)
  lapply(seq_len(nrow(mi)), function(i) list(
    lhs = mi$lhs[i], op = mi$op[i], rhs = mi$rhs[i], mi = num_or_null(mi$mi[i]),
    epc = num_or_null(mi$epc[i]), sepc_lv = num_or_null(mi$sepc.lv[i]),
    sepc_all = num_or_null(mi$sepc.all[i]), sepc_nox = num_or_null(mi$sepc.nox[i])))
}

fit_hs <- cfa(hs_model, data = hs)
fit_pd <- sem(pd_model, data = pd)
# covariates under fixed.x with a mean structure (their (co)variances are candidates, MI 0)
lo <- read.csv("../latent_and_observed_outcome/data.csv")
fit_cov <- sem(read_model("../path_meanstructure_covariates/model.lav"), data = lo,
               meanstructure = TRUE)
# == constraints between labels (the constrained inverse of the information)
fit_constrained <- cfa(read_model("../hs_equality_constraints/model.lav"), data = hs)

# Nested comparison: HS 3-factor CFA, orthogonal factors, orthogonal with equal loadings.
equal_loadings <- paste("visual =~ x1 + a*x2 + a*x3", "textual =~ x4 + b*x5 + b*x6",
                        "speed =~ x7 + c*x8 + c*x9", sep = "\n")
fit_orth <- cfa(hs_model, data = hs, orthogonal = TRUE)
fit_eq <- cfa(equal_loadings, data = hs, orthogonal = TRUE)
lrt <- as.data.frame(lavTestLRT(fit_hs, fit_orth, fit_eq))
ic <- function(fit) {
  fm <- fitMeasures(fit, c("aic", "bic", "bic2", "chisq", "df", "npar", "logl"))
  as.list(setNames(as.numeric(fm), names(fm)))
}

# HTMT (semTools::htmt, absolute = TRUE) on the HS items.
htmt1 <- htmt(hs_model, data = hs, htmt2 = FALSE)
htmt2 <- htmt(hs_model, data = hs, htmt2 = TRUE)

# Second-order factor: CR of g (higher = "g") and AVE of the first-order factors.
so_model <- read_model("../hs_second_order/model.lav")
fit_so <- cfa(so_model, data = hs)
cr <- compRelSEM(fit_so, higher = "g")
ave <- AVE(fit_so)

# A second-order factor in a structural model: the shipped H7 spec
# (models/apmc_learning_climate_breakthrough.yaml) on the example data (no reverse-worded item
# among these). compRelSEM(higher =) of its measurement model as a CFA is what semwb's report
# shows; on the structural model semTools takes the regression LC ~ APMC (a nonzero entry of
# BETA's APMC column) as a higher-order loading and adds LC's and BRI's items to APMC's
# composite, recorded to document the departure.
raw <- read.csv("../../../surveys/examples/alliance.csv")
h7_cfa <- paste("PRO    =~ pro1 + pro2 + pro3", "RGOV   =~ rgov1 + rgov2 + rgov3",
                "PCOORD =~ pco1 + pco2 + pco3", "APMC   =~ PRO + RGOV + PCOORD",
                "LC     =~ lc1 + lc2 + lc3", "BRI    =~ bri1 + bri2 + bri3", sep = "\n")
h7_structural <- paste(h7_cfa, "LC  ~ a*APMC", "BRI ~ b*LC + cp*APMC", sep = "\n")
fit_h7 <- cfa(h7_cfa, data = raw)
fit_h7_structural <- sem(h7_structural, data = raw)

# The shipped H1 spec (models/routines_learning_ambidexterity.yaml, `modindices:`) and its rival
# models/routines_learning_full_mediation.yaml (`nested_in:`, the direct path fixed at 0) on the
# example data, ar4 reverse-coded (8 - x) as the instrument does: modindices() of H1 and
# lavTestLRT of the pair, with AIC, BIC and BIC2.
h1_data <- raw
h1_data$ar4 <- 8 - h1_data$ar4
h1_measurement <- paste("AR  =~ ar1 + ar2 + ar3 + ar4", "IOL =~ iol1 + iol2 + iol3 + iol4",
                        "AI  =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6", sep = "\n")
h1_syntax <- paste(h1_measurement, "IOL ~ a*AR", "AI  ~ b*IOL + cp*AR", sep = "\n")
h1_full_syntax <- paste(h1_measurement, "IOL ~ a*AR", "AI  ~ b*IOL + 0*AR", sep = "\n")
fit_h1 <- sem(h1_syntax, data = h1_data)
fit_h1_full <- sem(h1_full_syntax, data = h1_data)
h1_lrt <- as.data.frame(lavTestLRT(fit_h1, fit_h1_full))

# HTMT and HTMT2 of the example data's AR, IOL, AI (ar4 reverse-coded, complete rows as
# semwb discriminant uses them) and of five bootstrap resamples of those rows (0-based row
# indices stored), each by semTools::htmt on the resampled rows.
htmt_items <- c(paste0("ar", 1:4), paste0("iol", 1:4), paste0("ai", 1:6))
htmt_rows <- h1_data[complete.cases(h1_data[, htmt_items]), htmt_items]
htmt_one <- function(rows) list(htmt = unclass(htmt(h1_measurement, data = rows, htmt2 = FALSE)),
                                htmt2 = unclass(htmt(h1_measurement, data = rows, htmt2 = TRUE)))
set.seed(2026)
htmt_resamples <- lapply(1:5, function(i) {
  ix <- sample.int(nrow(htmt_rows), replace = TRUE)
  c(list(rows = ix - 1L), htmt_one(htmt_rows[ix, ]))
})

out <- list(
  lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")),
  modindices = list(holzinger_swineford = mi_rows(fit_hs),
                    political_democracy = mi_rows(fit_pd),
                    path_meanstructure_covariates = mi_rows(fit_cov),
                    hs_equality_constraints = mi_rows(fit_constrained)),
  lrt = list(
    models = c("three_factor", "orthogonal", "equal_loadings"),
    equal_loadings_syntax = equal_loadings,
    df = as.numeric(lrt$Df), aic = as.numeric(lrt$AIC), bic = as.numeric(lrt$BIC),
    chisq = as.numeric(lrt$Chisq),
    chisq_diff = lapply(lrt[["Chisq diff"]], num_or_null),
    df_diff = lapply(lrt[["Df diff"]], num_or_null),
    pvalue = lapply(lrt[["Pr(>Chisq)"]], num_or_null),
    rmsea = lapply(lrt[["RMSEA"]], num_or_null),
    criteria = list(three_factor = ic(fit_hs), orthogonal = ic(fit_orth),
                    equal_loadings = ic(fit_eq))),
  htmt = list(names = rownames(htmt1), htmt = unclass(htmt1), htmt2 = unclass(htmt2)),
  second_order = list(compRelSEM = as.list(cr), AVE = as.list(ave)),
  second_order_structural = list(
    cfa_syntax = h7_cfa, structural_syntax = h7_structural,
    n = lavInspect(fit_h7, "nobs"), chisq = fitMeasures(fit_h7, "chisq")[[1]],
    compRelSEM = as.list(compRelSEM(fit_h7, higher = "APMC")), AVE = as.list(AVE(fit_h7)),
    structural_compRelSEM = as.list(compRelSEM(fit_h7_structural, higher = "APMC"))),
  shipped_h1 = list(
    syntax = h1_syntax, full_mediation_syntax = h1_full_syntax, n = lavInspect(fit_h1, "nobs"),
    modindices = mi_rows(fit_h1),
    lrt = list(chisq = as.numeric(h1_lrt$Chisq), df = as.numeric(h1_lrt$Df),
               aic = as.numeric(h1_lrt$AIC), bic = as.numeric(h1_lrt$BIC),
               bic2 = c(fitMeasures(fit_h1, "bic2")[[1]], fitMeasures(fit_h1_full, "bic2")[[1]]),
               chisq_diff = h1_lrt[["Chisq diff"]][2], df_diff = h1_lrt[["Df diff"]][2],
               pvalue = h1_lrt[["Pr(>Chisq)"]][2])),
  htmt_alliance = c(list(n = nrow(htmt_rows), names = c("AR", "IOL", "AI")),
                    htmt_one(htmt_rows), list(resamples = htmt_resamples))
)
write_json_full(out, "reference.json")
