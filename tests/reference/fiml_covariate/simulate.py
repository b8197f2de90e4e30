"""Simulate fiml_covariate/data.csv: latent mediation with an observed covariate, MCAR gaps.

AR (ar1..ar3) -> IOL (iol1..iol3) -> AI (ai1..ai3) with the direct path; the observed covariate
``size`` (log employees, mean 5, SD 1.2) affects IOL (.25) and AI (.20, standardized), and
correlates .30 with AR. Loadings .70-.85, 7-point items, N = 300. Then about 5 % of item values
are removed completely at random, and ``size`` is removed in 4 rows (ids 1011, 1077, 1150, 1240),
one of which (1240) also has all nine items removed (an empty row). numpy only, seed 20261202.
Run: python simulate.py (from this folder).
"""

import numpy as np

SEED = 20261202
N = 300
rng = np.random.default_rng(SEED)
z_size = rng.standard_normal(N)
ar = 0.3 * z_size + np.sqrt(1 - 0.09) * rng.standard_normal(N)
iol_mean = 0.45 * ar + 0.25 * z_size
iol = iol_mean + np.sqrt(1 - np.var(iol_mean)) * rng.standard_normal(N)
ai_mean = 0.40 * iol + 0.15 * ar + 0.20 * z_size
ai = ai_mean + np.sqrt(1 - np.var(ai_mean)) * rng.standard_normal(N)
columns: dict[str, np.ndarray] = {}
for prefix, factor, loadings in (("ar", ar, (0.80, 0.75, 0.70)),
                                 ("iol", iol, (0.85, 0.80, 0.75)),
                                 ("ai", ai, (0.70, 0.80, 0.75))):
    for k, lam in enumerate(loadings, start=1):
        x = lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(N)
        columns[f"{prefix}{k}"] = np.clip(np.rint(4.2 + 1.3 * x), 1, 7)
items = np.column_stack(list(columns.values()))
items[rng.random(items.shape) < 0.05] = np.nan
ids = np.arange(1001, 1001 + N)
size = np.round(5 + 1.2 * z_size, 3)
size[np.isin(ids, (1011, 1077, 1150, 1240))] = np.nan
items[ids == 1240, :] = np.nan


def cell(value: float, digits: int) -> str:
    """CSV text of one value: empty when missing."""
    return "" if np.isnan(value) else f"{value:.{digits}f}"


with open("data.csv", "w", encoding="utf-8", newline="") as out:
    out.write(",".join(["id", *columns, "size"]) + "\n")
    for i in range(N):
        row = [str(ids[i]), *(cell(v, 0) for v in items[i]), cell(size[i], 3)]
        out.write(",".join(row) + "\n")
