"""One-off: simulated indicators of an inverted U on a latent predictor, as data.csv (N = 500).

Population: X, W standard normal (correlation .3), Y = .4 X + .3 W - .2 X^2 + zeta (var .5);
three continuous indicators each (loadings 1, .8, .9, residual variances .4, intercepts 3, 3.5,
4), rounded to 4 decimals. Run from this folder: ../../../.venv/bin/python make_data.py
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261201)
n = 500
xi = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
x, w = xi[:, 0], xi[:, 1]
eta = 0.4 * x + 0.3 * w - 0.2 * x * x + np.sqrt(0.5) * rng.standard_normal(n)
cols = {}
for name, latent in (("x", x), ("w", w), ("y", eta)):
    for i, (lam, nu) in enumerate(((1.0, 3.0), (0.8, 3.5), (0.9, 4.0)), start=1):
        cols[f"{name}{i}"] = nu + lam * latent + np.sqrt(0.4) * rng.standard_normal(n)
pd.DataFrame(cols).round(4).to_csv("data.csv", index=False)
