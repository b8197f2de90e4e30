# One-off: export lavaan's HolzingerSwineford1939 (id, x1..x9) to data.csv.
# Run: cd tests/reference/holzinger_swineford && Rscript export_data.R
library(lavaan)
d <- HolzingerSwineford1939[, c("id", paste0("x", 1:9))]
write.csv(d, "data.csv", row.names = FALSE)
