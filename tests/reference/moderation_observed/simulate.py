"""Simulate the moderation_observed data set (numpy only, fixed seed).

Composite-score metric (about 1-7), N = 300, columns:

- x, w, z: predictor and two moderators, cor .20 among them, mean 4, sd 1.
- y: two-way moderation, y <- .30 x + .20 w + .25 x*w (centered products) + e.
- y3: three-way, y3 <- .30 x + .20 w + .10 z + .20 x*w + .10 x*z + .05 w*z + .15 x*w*z + e.
- m, ym: first-stage moderated mediation (PROCESS model 7),
  m <- .40 x + .10 w + .30 x*w + e, ym <- .20 x + .50 m + e.
- u, yq: an inverted U of u (uniform 1-7), yq <- .90 (u - 4) - .30 (u - 4)^2 + e;
  yqw <- the same curve moderated by w: + .10 (w - 4) + .10 (u - 4)(w - 4) + .12 (u - 4)^2 (w - 4).

Every value is rounded to 3 decimals; data.csv holds exactly the values R saw.

Run: cd tests/reference/moderation_observed && python3 simulate.py
"""
import csv

import numpy as np

SEED = 20261201
N = 300


def main() -> None:
    rng = np.random.default_rng(SEED)
    cov = np.full((3, 3), 0.2) + 0.8 * np.eye(3)
    x, w, z = rng.multivariate_normal([0, 0, 0], cov, size=N, method="cholesky").T
    e = rng.standard_normal((6, N))
    y = 0.30 * x + 0.20 * w + 0.25 * x * w + 0.9 * e[0]
    y3 = (0.30 * x + 0.20 * w + 0.10 * z + 0.20 * x * w + 0.10 * x * z + 0.05 * w * z
          + 0.15 * x * w * z + 0.9 * e[1])
    m = 0.40 * x + 0.10 * w + 0.30 * x * w + 0.9 * e[2]
    ym = 0.20 * x + 0.50 * m + 0.9 * e[3]
    u = rng.uniform(1, 7, N) - 4
    yq = 0.90 * u - 0.30 * u**2 + 0.9 * e[4]
    yqw = 0.90 * u - 0.30 * u**2 + 0.10 * w + 0.10 * u * w + 0.12 * u**2 * w + 0.9 * e[5]
    cols = {"x": x, "w": w, "z": z, "y": y, "y3": y3, "m": m, "ym": ym, "u": u, "yq": yq,
            "yqw": yqw}
    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(list(cols))
        for i in range(N):
            out.writerow([f"{4 + cols[k][i]:.3f}" for k in cols])


if __name__ == "__main__":
    main()
