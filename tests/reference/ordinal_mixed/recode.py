"""Make data.csv: mediation_single's items with 7, 3 and 2 ordered categories.

ar1-ar4 keep their 7 points; iol1-iol4 are cut into 3 categories (1-3 -> 1, 4-5 -> 2, 6-7 -> 3);
ai1-ai6 into 2 (1-4 -> 0, 5-7 -> 1). Fixed cut points, no randomness. Run from this folder:
python3 recode.py (standard library only).
"""

import csv

AR = ["ar1", "ar2", "ar3", "ar4"]
IOL = ["iol1", "iol2", "iol3", "iol4"]
AI = ["ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
THREE = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: 3}

with open("../mediation_single/data.csv", newline="", encoding="utf-8") as src:
    rows = list(csv.DictReader(src))
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AR + IOL + AI)
    for row in rows:
        writer.writerow([int(row[v]) for v in AR] + [THREE[int(row[v])] for v in IOL]
                        + [int(int(row[v]) >= 5) for v in AI])
