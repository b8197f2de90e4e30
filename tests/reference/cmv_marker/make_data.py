"""Simulated survey with common-method variance for the CMV fixture (run once; writes data.csv).

Two substantive factors A, B (correlation 0.4, three items each, loadings 0.8, 0.7, 0.55), a
marker construct M unrelated to them (the same loadings) and a method factor loading 0.4 on all
nine items; N = 400, values rounded to 3 decimals.
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261201)
n = 400
factors = rng.multivariate_normal([0, 0, 0], [[1, 0.4, 0], [0.4, 1, 0], [0, 0, 1]], size=n)
method = rng.standard_normal(n)
columns = {}
for k, name in enumerate("abm"):
    for i, loading in enumerate((0.8, 0.7, 0.55), start=1):
        noise = rng.standard_normal(n) * np.sqrt(1 - loading ** 2 - 0.4 ** 2)
        columns[f"{name}{i}"] = loading * factors[:, k] + 0.4 * method + noise
pd.DataFrame(columns).round(3).to_csv("data.csv", index=False)
