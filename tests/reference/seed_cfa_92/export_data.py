"""Make seed_cfa_92/data.csv and model.lav from the seed instrument and its example data.

Reads ``surveys/alliance_portfolio_innovation.yaml`` (28 constructs, 92 items) and
``surveys/examples/alliance.csv`` (N = 320). Writes ``data.csv`` (``rid`` and the 92 item
columns in instrument order) with every reverse-worded item recoded as ``min + max - x`` on the
instrument's scale (1-7: ``8 - x``, here ``ar4``), as ``semwb.survey.scoring.reverse_code``
does; missing answers stay empty. Writes ``model.lav``, one ``CONSTRUCT =~ items`` line per
construct (the syntax of ``semwb.measurement.cfa.cfa_syntax``). Needs PyYAML.
Run: python export_data.py (from this folder).
"""

import csv
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
instrument = yaml.safe_load((ROOT / "surveys" / "alliance_portfolio_innovation.yaml")
                            .read_text(encoding="utf-8"))
scale_total = instrument["scale"]["min"] + instrument["scale"]["max"]
constructs = {name: [item["id"] for item in c["items"]]
              for name, c in instrument["constructs"].items()}
reverse = {item["id"] for c in instrument["constructs"].values() for item in c["items"]
           if item.get("reverse")}
items = [i for group in constructs.values() for i in group]

with open(ROOT / "surveys" / "examples" / "alliance.csv", encoding="utf-8", newline="") as src:
    rows = list(csv.DictReader(src))
with open("data.csv", "w", encoding="utf-8", newline="") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rid", *items])
    for row in rows:
        values = [row[i] if row[i] == "" or i not in reverse else str(scale_total - int(row[i]))
                  for i in items]
        writer.writerow([row["rid"], *values])
Path("model.lav").write_text(
    "".join(f"{c} =~ {' + '.join(group)}\n" for c, group in constructs.items()), encoding="utf-8")
print(f"{len(constructs)} constructs, {len(items)} items, {len(rows)} rows, reversed: "
      f"{sorted(reverse)}")
