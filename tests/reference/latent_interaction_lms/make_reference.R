# The linear model that LMS reduces to when the latent interaction is fixed at 0, fitted by
# lavaan's ML with a mean structure and observed-information (Hessian) standard errors, on the
# data of ../latent_interaction_dmc (the XPR, RC and CI items of the example survey).
# Writes lavaan.json: loglik, npar and every free parameter's est and se.
# Run: cd tests/reference/latent_interaction_lms && Rscript make_reference.R
library(lavaan)
d <- read.csv("../latent_interaction_dmc/data.csv")
model <- "
XPR =~ xpr1 + xpr2 + xpr3
RC =~ rc1 + rc2 + rc3
CI =~ ci1 + ci2 + ci3
CI ~ XPR + RC
"
fit <- sem(model, data = d, meanstructure = TRUE, information = "observed")
pe <- parameterEstimates(fit)
pe <- pe[!is.na(pe$se) & pe$se > 0, ]
rows <- lapply(seq_len(nrow(pe)), function(i)
  list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], est = pe$est[i], se = pe$se[i]))
out <- list(lavaan = as.character(packageVersion("lavaan")), r = R.version.string,
            options = list(meanstructure = TRUE, information = "observed",
                           observed_information = lavInspect(fit, "options")$observed.information[1]),
            loglik = unname(fitMeasures(fit, "logl")), npar = unname(fitMeasures(fit, "npar")),
            n_obs = lavInspect(fit, "nobs"), parameters = rows)
jsonlite::write_json(out, "lavaan.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
