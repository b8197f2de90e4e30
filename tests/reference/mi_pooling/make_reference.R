# Rubin's rules (mice::pool.scalar) and the D2 pooled chi-square (semTools' calculate.D2, the
# function lavaan.mi's lavTestLRT.mi(test = "D2") uses) on fixed inputs; run from this folder.
suppressPackageStartupMessages({library(mice); library(semTools); library(jsonlite)})
# m = 5 imputations: three parameters' estimates and squared standard errors
Q <- rbind(c(0.512, 0.488, 0.530, 0.495, 0.521),
           c(0.301, 0.352, 0.287, 0.333, 0.310),
           c(1.204, 1.198, 1.210, 1.201, 1.207))
U <- rbind(c(0.0041, 0.0043, 0.0040, 0.0042, 0.0041),
           c(0.0090, 0.0088, 0.0093, 0.0091, 0.0089),
           c(0.0210, 0.0212, 0.0209, 0.0211, 0.0210))
pooled <- lapply(1:3, function(i) {
  p <- pool.scalar(Q[i, ], U[i, ], n = Inf)
  small <- pool.scalar(Q[i, ], U[i, ], n = 120, k = 1)
  list(qbar = p$qbar, ubar = p$ubar, b = p$b, t = p$t, df = p$df, riv = p$r, fmi = p$fmi,
       df_small = small$df, fmi_small = small$fmi)
})
chisq <- c(31.2, 28.9, 35.4, 30.1, 33.0)
d2 <- semTools:::calculate.D2(chisq, DF = 24)
d2_chisq <- semTools:::calculate.D2(chisq, DF = 24, asymptotic = TRUE)
out <- list(versions = list(mice = as.character(packageVersion("mice")),
                            semTools = as.character(packageVersion("semTools"))),
            Q = Q, U = U, pooled = pooled, chisq = chisq, df = 24,
            d2 = as.list(unclass(d2)), d2_asymptotic = as.list(unclass(d2_chisq)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "pooling.json")
