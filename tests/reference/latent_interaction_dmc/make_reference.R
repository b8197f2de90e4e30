# Latent interaction XPR x RC -> CI by double-mean-centred matched-pair product indicators,
# made by semTools::indProd as lavaan users make them, then fitted by lavaan's sem().
# Writes products.csv (the three product columns) and lavaan.json (see ../README.md).
# Run: cd tests/reference/latent_interaction_dmc && Rscript make_reference.R
library(lavaan)
library(semTools)
source("../_lib/case_json.R")
d <- read_case_data("data.csv")
prods <- c("xpr1.rc1", "xpr2.rc2", "xpr3.rc3")
d2 <- indProd(d, var1 = c("xpr1", "xpr2", "xpr3"), var2 = c("rc1", "rc2", "rc3"),
              match = TRUE, meanC = TRUE, residualC = FALSE, doubleMC = TRUE,
              namesProd = prods)
write.csv(d2[, prods], "products.csv", row.names = FALSE)
run <- fit_recording(sem(read_case_model("model.lav"), data = d2))
write_json_full(case_lavaan_json(run), "lavaan.json")
# Simple slopes of XPR at RC = -1 SD, 0, +1 SD of the latent RC (its fitted variance), as
# semTools' probe2WayMC gives them: probe.json.
sd_rc <- sqrt(lavInspect(run$fit, "est")$psi["RC", "RC"])
probe <- probe2WayMC(run$fit, nameX = c("XPR", "RC", "XPR.RC"), nameY = "CI", modVar = "RC",
                     valProbe = c(-1, 0, 1) * sd_rc)
slopes <- probe$SimpleSlope
jsonlite::write_json(list(sd_rc = sd_rc, value = slopes[[1]], est = slopes$est, se = slopes$se,
                          z = slopes$z, pvalue = slopes$pvalue),
                     "probe.json", digits = NA, auto_unbox = TRUE)
