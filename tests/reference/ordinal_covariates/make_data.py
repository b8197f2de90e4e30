"""Make data.csv: ordinal_mediation's 14 five-category items plus two observed covariates.

``size`` (continuous, e.g. log employees) leans on the respondent's alliance-routine answers
(the 7-point ar items of mediation_single) plus normal noise; ``age`` (whole years) on the
ambidexterity answers plus noise; numpy's default_rng(2026), so the file is reproducible.
Run from this folder: python3 make_data.py (numpy only).
"""

import csv

import numpy as np

rng = np.random.default_rng(2026)
with open("../mediation_single/data.csv", newline="", encoding="utf-8") as src:
    raw = list(csv.DictReader(src))
with open("../ordinal_mediation/data.csv", newline="", encoding="utf-8") as src:
    items = list(csv.DictReader(src))
ar = np.array([sum(int(r[f"ar{k}"]) for k in range(1, 5)) for r in raw], dtype=float)
ai = np.array([sum(int(r[f"ai{k}"]) for k in range(1, 7)) for r in raw], dtype=float)
size = 4.0 + 0.5 * (ar - ar.mean()) / ar.std() + rng.normal(size=len(raw))
age = np.round(15.0 + 4.0 * (ai - ai.mean()) / ai.std() + rng.normal(scale=6.0, size=len(raw)))
age = np.clip(age, 1, None)
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*items[0].keys(), "size", "age"])
    for row, s, a in zip(items, size, age, strict=True):
        writer.writerow([*row.values(), f"{s:.3f}", int(a)])
