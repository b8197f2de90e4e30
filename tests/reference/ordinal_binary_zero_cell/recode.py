"""Make data.csv: ordinal_mixed's six binary ai items plus ai7 = ai1 AND (raw iol1 >= 4).

ai7 is 1 only where ai1 is 1, so the 2x2 table of ai1 and ai7 has one empty cell (ai1 = 0,
ai7 = 1): lavaan then adds 0.5 to that cell, keeping the margins, before estimating the
tetrachoric correlation. Run from this folder: python3 recode.py (standard library only).
"""

import csv

with open("../ordinal_mixed/data.csv", newline="", encoding="utf-8") as src:
    binary = list(csv.DictReader(src))
with open("../mediation_single/data.csv", newline="", encoding="utf-8") as src:
    raw = list(csv.DictReader(src))
AI = ["ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*AI, "ai7"])
    for b, r in zip(binary, raw, strict=True):
        writer.writerow([b[v] for v in AI] + [int(b["ai1"] == "1" and int(r["iol1"]) >= 4)])
