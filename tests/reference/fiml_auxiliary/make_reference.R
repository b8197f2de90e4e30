# Reference fit: FIML with auxiliary variables (saturated correlates, Graham 2003) by
# semTools 0.5-6's sem.auxiliary(); fitMeasures() uses semTools' baseline.model (the model's
# variables independent, the auxiliaries saturated with everything). Also the same model
# without auxiliaries, to show that they move the answer (lavaan_no_auxiliary.json).
# Run: cd tests/reference/fiml_auxiliary && python3 make_data.py && Rscript make_reference.R
source("../_lib/lavaan_json.R")
suppressPackageStartupMessages(library(semTools))
dat <- read.csv("data.csv")
model <- read_model("model.lav")
# lavaan's default optimizer stops about 2e-4 SE short of the maximum in the auxiliaries'
# covariances with rdint (semwb's log-likelihood is 1.4e-7 higher); a tighter rel.tol makes
# nlminb report false convergence, so the defaults stay.
fit <- sem.auxiliary(model, data = dat, aux = c("age", "rdint"))
out <- lavaan_json(fit, list(auxiliary = c("age", "rdint"),
                             semtools_version = as.character(packageVersion("semTools"))))
write_json_full(out, "lavaan.json")
plain <- sem(model, data = dat, missing = "ml", fixed.x = FALSE)
write_json_full(lavaan_json(plain), "lavaan_no_auxiliary.json")
