# The measurement-invariance ladder for ordinal items by WLSMV (lavaan 0.6.14, semTools 0.5.6):
# Wu & Estabrook's (2016) sequence as semTools' measEq.syntax(ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016", parameterization = "delta") writes it, fitted by
# cfa(estimator = "WLSMV"): configural, thresholds (+ item intercepts and scales free in group 2),
# thresholds + loadings (+ factor variances free in group 2), + intercepts (+ latent means free
# in group 2). semTools refuses "residuals" with the delta parameterization, so the ladder stops
# at the scalar step. Data and model: ordinal_groups' (the 14 alliance items cut into 5
# categories, owner state 114 vs nonstate 187) and, as "three_groups", the same ladder across the
# three ownership types of data3.csv (python3 recode.py: own 1 state 114, 2 private 81, 3 foreign
# 106). Writes lavaan.json: per step the parameter rows
# (with group), fit measures (the .robust CFI, TLI, RMSEA: lavaan gives them for the configural
# step only, NA for the constrained ones); lavTestLRT of consecutive steps (its default for WLSMV,
# method "satorra.2000" with scaled.shifted = TRUE) and the plain chi-square difference.
# Run: cd tests/reference/ordinal_ladder && Rscript make_reference.R
source("../_lib/lavaan_json.R")
suppressPackageStartupMessages(library(semTools))
dat <- read.csv("data.csv", stringsAsFactors = FALSE)
model <- read_model("model.lav")
items <- c(paste0("ar", 1:4), paste0("iol", 1:4), paste0("ai", 1:6))
measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "rmsea.scaled", "rmsea.ci.lower.scaled",
              "rmsea.ci.upper.scaled", "srmr", "cfi.robust", "tli.robust",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
steps <- list(configural = "configural", thresholds = "thresholds",
              metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"))
one_step <- function(fit, equal) {
  fm <- fitMeasures(fit, measures)
  list(group_equal = I(equal), groups = I(lavInspect(fit, "group.label")),
       n_obs = I(lavInspect(fit, "nobs")),
       fit = setNames(lapply(fm, num_or_null), gsub(".", "_", names(fm), fixed = TRUE)),
       parameters = group_rows(fit))
}
ladder <- function(dat, group) {
  fits <- lapply(steps, function(equal) {
    syntax <- measEq.syntax(configural.model = model, data = dat, ordered = items,
                            group = group, parameterization = "delta", ID.fac = "std.lv",
                            ID.cat = "Wu.Estabrook.2016", group.equal = equal)
    cfa(as.character(syntax), data = dat, ordered = items, group = group,
        estimator = "WLSMV", parameterization = "delta")
  })
  comparisons <- lapply(2:length(fits), function(k) {
    lrt <- lavTestLRT(fits[[k - 1]], fits[[k]])
    heading <- attr(lrt, "heading")
    list(general = names(fits)[k - 1], restricted = names(fits)[k],
         method = regmatches(heading, regexpr("satorra[.0-9]*", heading)),
         chisq_diff = num_or_null(lrt[["Chisq diff"]][2]),
         df_diff = num_or_null(lrt[["Df diff"]][2]),
         pvalue = num_or_null(lrt[["Pr(>Chisq)"]][2]),
         plain_chisq_diff = num_or_null(fitMeasures(fits[[k]], "chisq") -
                                        fitMeasures(fits[[k - 1]], "chisq")))
  })
  list(steps = mapply(one_step, fits, steps, SIMPLIFY = FALSE), comparisons = comparisons)
}
two <- ladder(dat, "owner")
three <- ladder(read.csv("data3.csv", stringsAsFactors = FALSE), "own")
write_json_full(list(steps = two$steps, comparisons = two$comparisons, three_groups = three),
                "lavaan.json")
