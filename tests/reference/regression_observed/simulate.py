"""Simulate the regression_observed data set (numpy only, fixed seed).

Observed composite scores x1, x2, m, y (N = 200) for the path model
m ~ a*x1 + x2 ; y ~ b*m + x1. Standardized population values:
cor(x1, x2) = .30, m <- .45 x1 + .20 x2, y <- .40 m + .15 x1. The scores are
put on a composite (item-mean) metric, mean 4 and sd about 1, and rounded
to 3 decimals; data.csv holds exactly the values lavaan saw.

Run: cd tests/reference/regression_observed && python3 simulate.py
"""
import csv

import numpy as np

SEED = 20260306
N = 200


def main() -> None:
    rng = np.random.default_rng(SEED)
    x = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=N, method="cholesky")
    x1, x2 = x[:, 0], x[:, 1]
    g_m = np.array([0.45, 0.20])
    var_m = g_m @ np.array([[1, 0.3], [0.3, 1]]) @ g_m
    m = 0.45 * x1 + 0.20 * x2 + np.sqrt(1 - var_m) * rng.standard_normal(N)
    var_y = 0.40**2 + 0.15**2 + 2 * 0.40 * 0.15 * (0.45 + 0.20 * 0.3)
    y = 0.40 * m + 0.15 * x1 + np.sqrt(1 - var_y) * rng.standard_normal(N)
    cols = {"x1": x1, "x2": x2, "m": m, "y": y}
    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(list(cols))
        for i in range(N):
            w.writerow([f"{4 + cols[k][i]:.3f}" for k in cols])


if __name__ == "__main__":
    main()
