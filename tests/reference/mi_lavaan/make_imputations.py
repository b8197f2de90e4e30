"""Make mi_lavaan/imputed.csv: five imputations of mediation_missing_fiml/data.csv by semwb.

semwb's own imputation (scikit-learn IterativeImputer, posterior draws truncated to the 1-7
scale, not rounded), seed 1; the imputations are stacked in mice's long format with the column
``imputation`` (1..5). make_reference.R fits lavaan to each and pools them; the test pools the
same five data sets with semwb and compares the pooling step exactly.

Run: cd tests/reference/mi_lavaan && ../../../.venv/bin/python make_imputations.py
"""

import pandas as pd

from semwb.explore.imputation import impute

ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]


def main() -> None:
    data = pd.read_csv("../mediation_missing_fiml/data.csv")[["resp_id", *ITEMS]]
    sets = impute(data, ITEMS, m=5, bounds=dict.fromkeys(ITEMS, (1.0, 7.0)), rng=1)
    stacked = pd.concat([frame.assign(imputation=number)
                         for number, frame in enumerate(sets, start=1)])
    stacked.to_csv("imputed.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
