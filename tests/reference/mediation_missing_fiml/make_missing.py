"""Make mediation_missing_fiml/data.csv from ../mediation_single/data.csv.

Each of the 14 item cells (ar1..ai6; not resp_id, not note) is set to
missing independently with probability .05 (MCAR), fixed seed. Missing
values are written as empty cells. numpy + csv only.

Run: cd tests/reference/mediation_missing_fiml && python3 make_missing.py
"""
import csv

import numpy as np

SEED = 20260305
P_MISSING = 0.05
ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]


def main() -> None:
    with open("../mediation_single/data.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        cols = reader.fieldnames
        rows = list(reader)
    rng = np.random.default_rng(SEED)
    mask = rng.random((len(rows), len(ITEMS))) < P_MISSING
    for row, m in zip(rows, mask):
        for item, drop in zip(ITEMS, m):
            if drop:
                row[item] = ""
    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{int(mask.sum())} of {mask.size} item cells set missing "
          f"({mask.mean():.4f}); complete rows: {int((~mask.any(1)).sum())}")


if __name__ == "__main__":
    main()
