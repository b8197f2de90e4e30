# Measurement-quality reference helper (sourced after lavaan_json.R).
# measurement_reference(data, cfa_model) fits the k-factor CFA given in
# cfa_model (simple structure, lavaan syntax) plus the one-factor CFAs and
# computes the psych / semTools reliability and validity statistics.

suppressPackageStartupMessages({
  library(semTools)
  library(psych)
})

FIT_SUMMARY_KEYS <- c(chisq = "chisq", df = "df", pvalue = "pvalue", cfi = "cfi",
                      tli = "tli", rmsea = "rmsea", srmr = "srmr", aic = "aic",
                      bic = "bic", npar = "npar")

fit_summary <- function(fit) {
  fm <- fitMeasures(fit, unname(FIT_SUMMARY_KEYS))
  out <- lapply(names(FIT_SUMMARY_KEYS), function(k) num_or_null(fm[[FIT_SUMMARY_KEYS[[k]]]]))
  names(out) <- names(FIT_SUMMARY_KEYS)
  out
}

named_list <- function(x) {
  out <- lapply(as.numeric(x), num_or_null)
  names(out) <- names(x)
  out
}

# lower triangle of a symmetric construct x construct matrix as pair rows
pair_rows <- function(M, value_name) {
  nm <- rownames(M)
  out <- list()
  for (i in seq_along(nm)) for (j in seq_len(i - 1L)) {
    r <- list(row = nm[i], col = nm[j])
    r[[value_name]] <- num_or_null(M[i, j])
    out[[length(out) + 1L]] <- r
  }
  out
}

measurement_reference <- function(data, cfa_model) {
  pt <- lavaanify(cfa_model)
  lo <- pt[pt$op == "=~", ]
  constructs <- split(lo$rhs, factor(lo$lhs, levels = unique(lo$lhs)))
  items <- unlist(constructs, use.names = FALSE)
  X <- data[, items]
  stopifnot(!anyNA(X))
  N <- nrow(X)

  fit_k <- cfa(cfa_model, data = data)                 # k-factor CFA, defaults
  std_k <- standardizedSolution(fit_k)
  comprel_obs <- compRelSEM(fit_k)                     # obs.var = TRUE (default)
  comprel_imp <- compRelSEM(fit_k, obs.var = FALSE)
  ave_k <- AVE(fit_k)                                  # obs.var = TRUE (default)
  lv_cor <- lavInspect(fit_k, "cor.lv")

  per_construct <- list()
  for (cn in names(constructs)) {
    it <- constructs[[cn]]
    a <- psych::alpha(X[, it], warnings = FALSE)
    one_model <- paste0(cn, " =~ ", paste(it, collapse = " + "))
    fit1 <- cfa(one_model, data = data)
    pe1 <- parameterEstimates(fit1)
    lam <- pe1$est[pe1$op == "=~"]
    theta <- pe1$est[pe1$op == "~~" & pe1$lhs %in% it & pe1$lhs == pe1$rhs]
    psi <- pe1$est[pe1$op == "~~" & pe1$lhs == cn & pe1$rhs == cn]
    omega1 <- (sum(lam))^2 * psi / ((sum(lam))^2 * psi + sum(theta))
    ss1 <- standardizedSolution(fit1)
    l1 <- ss1$est.std[ss1$op == "=~"]

    sl <- std_k[std_k$op == "=~" & std_k$lhs == cn, ]
    l <- sl$est.std
    cr_fl <- sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    ave_fl <- mean(l^2)

    per_construct[[cn]] <- list(
      items = it,
      n_items = length(it),
      alpha_raw = num_or_null(a$total$raw_alpha),
      alpha_std = num_or_null(a$total$std.alpha),
      alpha_feldt_ci_lower = num_or_null(a$feldt$lower.ci[[1]]),
      alpha_feldt_ci_upper = num_or_null(a$feldt$upper.ci[[1]]),
      alpha_ase = num_or_null(a$total$ase),
      alpha_duhachek_ci_lower = num_or_null(a$total$raw_alpha - qnorm(0.975) * a$total$ase),
      alpha_duhachek_ci_upper = num_or_null(a$total$raw_alpha + qnorm(0.975) * a$total$ase),
      omega_total_onefactor = num_or_null(omega1),
      compRelSEM_onefactor_obsvar = num_or_null(compRelSEM(fit1)[[cn]]),
      onefactor_std_loadings = setNames(lapply(l1, num_or_null), it),
      onefactor_fit = fit_summary(fit1),
      compRelSEM_kfactor_obsvar = num_or_null(comprel_obs[[cn]]),
      compRelSEM_kfactor_implied = num_or_null(comprel_imp[[cn]]),
      AVE_semTools = num_or_null(ave_k[[cn]]),
      std_loadings = setNames(lapply(l, num_or_null), sl$rhs),
      CR_fornell_larcker = num_or_null(cr_fl),
      AVE_fornell_larcker = num_or_null(ave_fl),
      sqrt_AVE_fornell_larcker = num_or_null(sqrt(ave_fl))
    )
  }

  htmt1 <- htmt(cfa_model, data = data, htmt2 = FALSE)
  htmt_geo <- htmt(cfa_model, data = data, htmt2 = TRUE)

  R <- cor(X)
  kmo <- psych::KMO(X)
  bart <- psych::cortest.bartlett(R, n = N)
  ev <- eigen(R, symmetric = TRUE, only.values = TRUE)$values
  fa_pa <- psych::fa(X, nfactors = 1, rotate = "none", fm = "pa")
  fa_ml <- psych::fa(X, nfactors = 1, rotate = "none", fm = "ml")

  all_model <- paste0("G =~ ", paste(items, collapse = " + "))
  fit_all1 <- cfa(all_model, data = data)
  lrt <- lavTestLRT(fit_all1, fit_k)

  list(
    versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                    lavaan = as.character(packageVersion("lavaan")),
                    semTools = as.character(packageVersion("semTools")),
                    psych = as.character(packageVersion("psych"))),
    n_obs = N,
    n_items = length(items),
    cfa_model = cfa_model,
    definitions = list(
      alpha_raw = "psych::alpha(items)$total$raw_alpha (covariance-based Cronbach's alpha); alpha_std = std.alpha",
      alpha_feldt_ci = "psych::alpha(items)$feldt, i.e. psych::alpha.ci(raw_alpha, n.obs, n.var), 95% Feldt interval",
      alpha_duhachek_ci = "raw_alpha -/+ qnorm(.975) * psych's ase (the 'Duhachek' interval psych prints)",
      omega_total_onefactor = "McDonald's omega total from a one-factor CFA of the construct's items (lavaan cfa() defaults, ML, marker scaling): (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta), model-implied denominator, no residual covariances",
      compRelSEM_onefactor_obsvar = "semTools::compRelSEM(one-factor fit) with defaults (obs.var = TRUE: denominator = observed variance of the unit-weighted sum, i.e. sum of the sample covariance matrix, ML divisor N)",
      compRelSEM_kfactor_obsvar = "semTools::compRelSEM(k-factor CFA) with defaults (obs.var = TRUE, tau.eq = FALSE): omega with the OBSERVED composite variance in the denominator",
      compRelSEM_kfactor_implied = "semTools::compRelSEM(k-factor CFA, obs.var = FALSE): McDonald's omega with the MODEL-IMPLIED composite variance in the denominator",
      AVE_semTools = "semTools::AVE(k-factor CFA) with defaults (obs.var = TRUE): sum of diag(Lambda Psi Lambda') over the sum of the observed item variances",
      std_loadings = "std.all loadings of the k-factor CFA (standardizedSolution)",
      CR_fornell_larcker = "classic composite reliability from the k-factor std.all loadings: (sum l)^2 / ((sum l)^2 + sum(1 - l^2))",
      AVE_fornell_larcker = "mean(l^2) of the k-factor std.all loadings",
      htmt = "semTools::htmt(cfa_model, data, htmt2 = FALSE): classic HTMT (arithmetic means of absolute correlations, Henseler et al. 2015)",
      htmt2 = "semTools::htmt(cfa_model, data, htmt2 = TRUE): HTMT2 (geometric means, Roemer et al. 2021); NOTE htmt2 = TRUE is semTools' default",
      kmo = "psych::KMO(items)$MSA overall and $MSAi per item",
      bartlett = "psych::cortest.bartlett(cor(items), n = N)",
      harman_eigen_share = "first eigenvalue of the item correlation matrix / number of items (Harman's single-factor test, PCA variant)",
      harman_fa_pa_proportion = "psych::fa(items, nfactors = 1, rotate = 'none', fm = 'pa')$Vaccounted['Proportion Var', 1]",
      harman_fa_ml_proportion = "psych::fa(items, nfactors = 1, rotate = 'none', fm = 'ml')$Vaccounted['Proportion Var', 1]",
      single_factor_cfa = "lavaan cfa() of one factor G on all items (defaults), compared with the k-factor CFA by lavTestLRT"
    ),
    constructs = per_construct,
    kfactor_cfa_fit = fit_summary(fit_k),
    latent_correlations = pair_rows(lv_cor, "r"),
    htmt = pair_rows(htmt1, "value"),
    htmt2 = pair_rows(htmt_geo, "value"),
    htmt2_supported = TRUE,
    kmo_overall_msa = num_or_null(kmo$MSA),
    kmo_item_msa = named_list(kmo$MSAi),
    bartlett = list(chisq = num_or_null(bart$chisq), df = num_or_null(bart$df),
                    pvalue = num_or_null(bart$p.value)),
    harman = list(
      first_eigenvalue = num_or_null(ev[1]),
      harman_eigen_share = num_or_null(ev[1] / length(items)),
      harman_fa_pa_proportion = num_or_null(fa_pa$Vaccounted["Proportion Var", 1]),
      harman_fa_ml_proportion = num_or_null(fa_ml$Vaccounted["Proportion Var", 1]),
      eigenvalues = ev),
    single_factor_cfa = c(fit_summary(fit_all1),
                          list(lrt_vs_kfactor = list(
                            chisq_diff = num_or_null(lrt[["Chisq diff"]][2]),
                            df_diff = num_or_null(lrt[["Df diff"]][2]),
                            pvalue = num_or_null(lrt[["Pr(>Chisq)"]][2]))))
  )
}
