# One-off: export lavaan's Demo.growth (t1..t4, x1, x2, c1..c4; N = 400) to data.csv.
# Run: cd tests/reference/growth_linear && Rscript export_data.R
library(lavaan)
write.csv(Demo.growth, "data.csv", row.names = FALSE, na = "")
