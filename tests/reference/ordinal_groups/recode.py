"""Make data.csv: the example survey's 14 alliance items cut into 5 ordered categories, with a
two-level ownership group.

From surveys/examples/alliance.csv: ar4 reverse-coded (8 - x) as semwb's instrument does, the
7-point items mapped 1,2 -> 1; 3 -> 2; 4 -> 3; 5 -> 4; 6,7 -> 5 (fixed cut points), ``own``
(1 state, 2 private, 3 foreign) made ``state`` (1) or ``nonstate`` (2, 3); rows missing an item
are dropped. Run from this folder: python3 recode.py (standard library only).
"""

import csv

ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
CUT = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 5}

with open("../../../surveys/examples/alliance.csv", newline="", encoding="utf-8") as src:
    rows = list(csv.DictReader(src))
with open("data.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["owner", *ITEMS])
    for row in rows:
        if any(row[item] == "" for item in ITEMS) or row["own"] == "":
            continue
        values = {item: int(row[item]) for item in ITEMS}
        values["ar4"] = 8 - values["ar4"]
        owner = "state" if row["own"] == "1" else "nonstate"
        writer.writerow([owner, *(CUT[values[item]] for item in ITEMS)])
