"""Simulate chinese_names/data.csv: a latent mediation with Chinese column headers (UTF-8).

联盟惯例 (alliance routines, 4 items 惯例1..惯例4) -> 组织间学习 (inter-organizational
learning, 学习1..学习3) -> 双元创新 (ambidextrous innovation, 创新1..创新3), plus the direct path;
standardized paths .50, .40 and .20; loadings .70-.85; 7-point items; N = 300; numpy only,
seed 20261201. Run: python simulate.py (from this folder).
"""

import numpy as np

SEED = 20261201
N = 300
rng = np.random.default_rng(SEED)
ar = rng.standard_normal(N)
iol = 0.5 * ar + np.sqrt(1 - 0.25) * rng.standard_normal(N)
explained = 0.4**2 + 0.2**2 + 2 * 0.4 * 0.2 * 0.5
ai = 0.4 * iol + 0.2 * ar + np.sqrt(1 - explained) * rng.standard_normal(N)
items = {}
for prefix, factor, loadings in (("惯例", ar, (0.80, 0.75, 0.70, 0.85)),
                                 ("学习", iol, (0.80, 0.85, 0.75)),
                                 ("创新", ai, (0.70, 0.80, 0.75))):
    for k, lam in enumerate(loadings, start=1):
        x = lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(N)
        items[f"{prefix}{k}"] = np.clip(np.rint(4.3 + 1.3 * x), 1, 7).astype(int)
with open("data.csv", "w", encoding="utf-8", newline="") as out:
    out.write(",".join(["编号", *items]) + "\n")
    for i in range(N):
        out.write(",".join([str(1001 + i), *(str(v[i]) for v in items.values())]) + "\n")
