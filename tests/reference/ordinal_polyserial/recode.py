"""Make data.csv: ordinal_mediation's ar and iol items (5 categories) beside mediation_single's
ai items as they are (7-point, treated as continuous). Run from this folder: python3 recode.py.
"""

import csv

with open("../ordinal_mediation/data.csv", newline="", encoding="utf-8") as src:
    ordinal = list(csv.DictReader(src))
with open("../mediation_single/data.csv", newline="", encoding="utf-8") as src:
    raw = list(csv.DictReader(src))
ORD = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4"]
NUM = ["ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORD + NUM)
    for a, b in zip(ordinal, raw, strict=True):
        writer.writerow([a[v] for v in ORD] + [b[v] for v in NUM])
