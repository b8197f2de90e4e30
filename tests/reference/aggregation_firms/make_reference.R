# multilevel::ICC1/ICC2/rwg.j reference for semwb.explore.aggregation (run from this folder).
suppressPackageStartupMessages({library(multilevel); library(jsonlite)})
x <- read.csv("data.csv")
constructs <- list(A = c("a1", "a2", "a3"), B = c("b1", "b2", "b3", "b4"))
out <- list(versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                            multilevel = as.character(packageVersion("multilevel"))),
            constructs = list())
for (name in names(constructs)) {
  items <- x[, constructs[[name]]]
  score <- rowMeans(items, na.rm = TRUE)
  keep <- !is.na(score)
  model <- aov(score[keep] ~ as.factor(x$firm_id[keep]))
  table <- summary(model)[[1]]
  rwg_u <- rwg.j(items, x$firm_id, ranvar = 2)
  rwg_s <- rwg.j(items, x$firm_id, ranvar = 1.34)
  out$constructs[[name]] <- list(
    icc1 = ICC1(model), icc2 = ICC2(model), f = table[1, 4], df1 = table[1, 1],
    df2 = table[2, 1], pvalue = table[1, 5],
    rwg_uniform = setNames(as.list(rwg_u$rwg.j), rwg_u$grpid),
    rwg_slight_skew = setNames(as.list(rwg_s$rwg.j), rwg_s$grpid),
    gsize = setNames(as.list(rwg_u$gsize), rwg_u$grpid))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "multilevel.json")
