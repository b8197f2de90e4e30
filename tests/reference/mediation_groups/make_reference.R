# Multiple-group mediation on the seed's example data (surveys/examples/alliance.csv):
# AR -> IOL -> AI compared across ownership types (own: 1 state, 2 private, 3 foreign), with
# group-specific labels and := differences of indirect effects; equal loadings and regressions
# with an observed covariate (size, fixed.x); and FIML (missing = "ml") with equal loadings.
# lavTestWald of the paths' equality across the three groups.
# ar4 is reverse-worded: reverse-coded here (8 - x) as semwb's instrument does.
# Run: cd tests/reference/mediation_groups && Rscript make_reference.R
source("../_lib/lavaan_json.R")

raw <- read.csv("../../../surveys/examples/alliance.csv", stringsAsFactors = FALSE)
cols <- c("own", "size", paste0("ar", 1:4), paste0("iol", 1:4), paste0("ai", 1:6))
dat <- raw[, cols]
dat$ar4 <- 8 - dat$ar4
write.csv(dat, "data.csv", row.names = FALSE, na = "")
dat <- read.csv("data.csv", stringsAsFactors = FALSE)

measurement <- "AR =~ ar1 + ar2 + ar3 + ar4
IOL =~ iol1 + iol2 + iol3 + iol4
AI =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6"

wald_of <- function(fit, constraints) {
  w <- lavTestWald(fit, constraints = constraints)
  list(constraints = constraints, stat = w$stat, df = as.integer(w$df), pvalue = w$p.value)
}

fit_case <- function(model, args, wald = list()) {
  fit <- do.call("sem", c(list(model = model, data = dat, group = "own"), args))
  list(model = model, args = args, n_obs = as.integer(lavInspect(fit, "nobs")),
       group_labels = lavInspect(fit, "group.label"),
       fit = fit_block(fit), parameters = group_rows(fit),
       wald = lapply(wald, function(con) wald_of(fit, con)))
}

mediation <- paste(measurement,
  "IOL ~ c(a1, a2, a3)*AR",
  "AI ~ c(b1, b2, b3)*IOL + AR",
  "ind1 := a1*b1",
  "ind2 := a2*b2",
  "ind3 := a3*b3",
  "d12 := a1*b1 - a2*b2", sep = "\n")
covariate <- paste(measurement, "IOL ~ AR", "AI ~ IOL + AR + size", sep = "\n")
fiml <- paste(measurement, "IOL ~ AR", "AI ~ IOL + AR", sep = "\n")

out <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  cases = list(
    mediation = fit_case(mediation, list(),
                         wald = list("a1 == a2\na1 == a3", "b1 == b2\nb1 == b3")),
    covariate = fit_case(covariate, list(group.equal = c("loadings", "regressions"))),
    fiml = fit_case(fiml, list(group.equal = "loadings", missing = "ml"))))
write_json_full(out, "lavaan.json")
