"""Make data3.csv: ordinal_groups' recoding (the 14 alliance items of
surveys/examples/alliance.csv cut into 5 categories, ar4 reverse-coded) with the three ownership
types kept apart (``own``: 1 state 114, 2 private 81, 3 foreign 106); rows missing an item are
dropped. Run from this folder: python3 recode.py (standard library only).
"""

import csv

ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
CUT = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 5}

with open("../../../surveys/examples/alliance.csv", newline="", encoding="utf-8") as src:
    rows = list(csv.DictReader(src))
with open("data3.csv", "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["own", *ITEMS])
    for row in rows:
        if any(row[item] == "" for item in ITEMS) or row["own"] == "":
            continue
        values = {item: int(row[item]) for item in ITEMS}
        values["ar4"] = 8 - values["ar4"]
        writer.writerow([row["own"], *(CUT[values[item]] for item in ITEMS)])
