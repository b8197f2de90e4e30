"""Make data.csv: mediation_single's 14 items cut into 5 ordered categories.

The 7-point items 1..7 are mapped 1,2 -> 1; 3 -> 2; 4 -> 3; 5 -> 4; 6,7 -> 5 (fixed cut points,
no randomness). Run from this folder: python3 recode.py (standard library only).
"""

import csv

ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
CUT = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 5}

with open("../mediation_single/data.csv", newline="", encoding="utf-8") as src:
    rows = list(csv.DictReader(src))
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ITEMS)
    for row in rows:
        writer.writerow([CUT[int(row[item])] for item in ITEMS])
