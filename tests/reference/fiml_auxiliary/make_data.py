"""Make fiml_auxiliary/data.csv from ../../../surveys/examples/alliance.csv.

Nine items (ar1..ai3), the covariate size and two auxiliary variables (age, rdint) of the first
320 rows. Item values go missing at random given the auxiliaries (MAR, not MCAR): a row's
chance to lose each of iol1..ai3 rises with its age and with its rdint (logistic, about 12 %
on average), and ar1..ar3 lose values completely at random (5 %); age, rdint and size stay
complete. Fixed seed, numpy + csv only; missing values are empty cells.

Run: cd tests/reference/fiml_auxiliary && python3 make_data.py
"""
import csv

import numpy as np

SEED = 20261201
ROWS = 320
ITEMS = ["ar1", "ar2", "ar3", "iol1", "iol2", "iol3", "ai1", "ai2", "ai3"]
KEEP = ITEMS + ["size", "age", "rdint"]


def main() -> None:
    with open("../../../surveys/examples/alliance.csv", newline="", encoding="utf-8") as f:
        rows = [{k: r[k] for k in KEEP} for r in list(csv.DictReader(f))[:ROWS]]
    rng = np.random.default_rng(SEED)
    age = np.array([float(r["age"]) for r in rows])
    rdint = np.array([float(r["rdint"]) for r in rows])
    z = (age - age.mean()) / age.std() + (rdint - rdint.mean()) / rdint.std()
    p_mar = 1 / (1 + np.exp(-(-2.3 + 1.2 * z)))
    dropped = 0
    for i, row in enumerate(rows):
        for item in ITEMS:
            p = 0.05 if item.startswith("ar") else p_mar[i]
            if rng.random() < p:
                row[item] = ""
                dropped += 1
    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=KEEP, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{dropped} of {ROWS * len(ITEMS)} item cells set missing")


if __name__ == "__main__":
    main()
