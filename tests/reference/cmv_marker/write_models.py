"""Write the lavaan syntax semwb generates for the CMV models (run after make_data.py).

Run from the repository root: .venv/bin/python tests/reference/cmv_marker/write_models.py
"""

from pathlib import Path

import pandas as pd

from semwb.measurement.cmv import cfa_marker, ulmc

HERE = Path(__file__).parent
data = pd.read_csv(HERE / "data.csv")
constructs = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
marker = cfa_marker(data, constructs, ["m1", "m2", "m3"])
fits, _, _ = ulmc(data, constructs)
for name, fit in {**marker.models, "ulmc": fits["ulmc"]}.items():
    (HERE / f"{name}.lav").write_text(fit.spec.syntax + "\n", encoding="utf-8")
