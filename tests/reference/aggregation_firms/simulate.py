"""Make data.csv: 60 firms, 1-4 respondents each, two constructs on a 5-point scale.

A firm-level true score plus respondent noise, rounded to 1-5; a few answers left empty.
numpy only, fixed seed: ``python simulate.py`` rewrites the same file.
"""

import numpy as np

rng = np.random.default_rng(20261201)
rows = []
for firm in range(1, 61):
    size = rng.integers(1, 5)
    level_a, level_b = rng.normal(3.2, 0.6), rng.normal(3.0, 0.3)
    for respondent in range(size):
        a = np.clip(np.rint(level_a + rng.normal(0, 0.7, 3)), 1, 5)
        b = np.clip(np.rint(level_b + rng.normal(0, 0.9, 4)), 1, 5)
        rows.append([f"F{firm:03d}", f"F{firm:03d}-{respondent + 1}", *a, *b,
                     int(rng.integers(3, 40))])
values = np.array([r[2:9] for r in rows], dtype=float)
values[rng.random(values.shape) < 0.02] = np.nan
with open("data.csv", "w", encoding="utf-8") as out:
    out.write("firm_id,rid,a1,a2,a3,b1,b2,b3,b4,age\n")
    for row, answers in zip(rows, values):
        cells = ["" if np.isnan(v) else str(int(v)) for v in answers]
        # firm age is a firm-level variable: the same for every respondent of a firm
        age = 5 + int(row[0][1:]) % 30
        out.write(",".join([row[0], row[1], *cells, str(age)]) + "\n")
