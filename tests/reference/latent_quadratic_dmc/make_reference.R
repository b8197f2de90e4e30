# Latent quadratic X^2 -> Y by double-mean-centred squares of X's indicators, made by
# semTools::indProd as lavaan users make them, then fitted by lavaan's sem() on model.lav (the
# syntax semwb writes for 'Y ~ X + W + I(X^2)'). Writes products.csv and lavaan.json.
# Run: cd tests/reference/latent_quadratic_dmc && Rscript make_reference.R
library(lavaan)
library(semTools)
d <- read.csv("data.csv")
prods <- c("x1.x1", "x2.x2", "x3.x3")
d2 <- indProd(d, var1 = c("x1", "x2", "x3"), var2 = c("x1", "x2", "x3"), match = TRUE,
              meanC = TRUE, residualC = FALSE, doubleMC = TRUE, namesProd = prods)
write.csv(d2[, prods], "products.csv", row.names = FALSE)
fit <- sem(paste(readLines("model.lav"), collapse = "\n"), data = d2)
pe <- parameterEstimates(fit)
pe <- pe[!is.na(pe$se) & pe$se > 0, ]
rows <- lapply(seq_len(nrow(pe)), function(i)
  list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], est = pe$est[i], se = pe$se[i]))
out <- list(lavaan = as.character(packageVersion("lavaan")),
            semtools = as.character(packageVersion("semTools")), r = R.version.string,
            chisq = unname(fitMeasures(fit, "chisq")), df = unname(fitMeasures(fit, "df")),
            n_obs = lavInspect(fit, "nobs"), parameters = rows)
jsonlite::write_json(out, "lavaan.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
