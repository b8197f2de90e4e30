"""One-off: the XPR, RC and CI items of the example survey, complete rows, as data.csv.

Run from this folder: ../../../.venv/bin/python export_data.py
"""

from pathlib import Path

import pandas as pd

ITEMS = ["xpr1", "xpr2", "xpr3", "rc1", "rc2", "rc3", "ci1", "ci2", "ci3"]
source = Path(__file__).resolve().parents[3] / "surveys" / "examples" / "alliance.csv"
pd.read_csv(source)[ITEMS].dropna().to_csv("data.csv", index=False)
