# One-off: export lavaan's HolzingerSwineford1939 with its covariates
# (id, sex, ageyr, agemo, school, grade, x1..x9) to data.csv; school as text,
# missing values as empty cells.
# Run: cd tests/reference/latent_and_observed_outcome && Rscript export_data.R
library(lavaan)
d <- HolzingerSwineford1939[, c("id", "sex", "ageyr", "agemo", "school", "grade",
                                paste0("x", 1:9))]
write.csv(d, "data.csv", row.names = FALSE, na = "")
