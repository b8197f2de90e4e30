# psych::fa / fa.parallel / VSS reference for semwb.explore (run from this folder:
# Rscript make_reference.R). data.csv: the AR, IOL and AI items of surveys/examples/alliance.csv
# (N = 320, missing answers kept, ar4 reverse-coded as 8 - x).
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
x <- read.csv("data.csv")
r <- cor(x, use = "pairwise")
n <- nrow(x)
solutions <- list()
for (fm in c("minres", "ml")) {
  for (rot in c("varimax", "promax", "oblimin")) {
    f <- fa(r, nfactors = 3, n.obs = n, fm = fm, rotate = rot, warnings = FALSE)
    L <- unclass(f$loadings)
    phi <- if (is.null(f$Phi)) diag(3) else f$Phi
    solutions[[paste(fm, rot, sep = "_")]] <- list(
      loadings = unname(L), communalities = unname(f$communality),
      phi = unname(phi), objective = f$objective, chisq = f$STATISTIC, df = f$dof,
      rmsea = unname(f$RMSEA[1]))
  }
}
one <- fa(r, nfactors = 1, n.obs = n, fm = "minres", warnings = FALSE)
set.seed(1)
pa <- fa.parallel(x, fm = "minres", fa = "both", n.iter = 200, plot = FALSE)
v <- VSS(r, n = 8, n.obs = n, plot = FALSE)
out <- list(
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation"))),
  items = colnames(x), n_obs = n, solutions = solutions,
  one_factor_minres = list(loadings = unname(unclass(one$loadings)[, 1])),
  parallel = list(observed_pc = pa$pc.values, observed_fa = pa$fa.values,
                  simulated_pc = pa$pc.sim, simulated_fa = pa$fa.sim,
                  nfact = pa$nfact, ncomp = pa$ncomp, n_iter = 200),
  map = v$map)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "psych.json")
