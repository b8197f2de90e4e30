# One-off: export lavaan's PoliticalDemocracy (y1..y8, x1..x3) to data.csv.
# Run: cd tests/reference/political_democracy && Rscript export_data.R
library(lavaan)
write.csv(PoliticalDemocracy, "data.csv", row.names = FALSE)
