"""Simulate the mediation_single data set (numpy only, fixed seed).

AR (alliance routines, ar1-ar4) -> IOL (inter-organizational learning,
iol1-iol4) -> AI (ambidextrous innovation, ai1-ai6), plus a direct AR -> AI
path. Population values are standardized: a = .50, b = .40, c' = .15.

Items are continuous normal indicators y = l * eta + sqrt(1 - l^2) * e with
standardized loadings l in [.65, .85], cut into 7-point Likert categories
(integers 1..7) with fixed thresholds. ar4 is reverse-worded in the
population (negative loading); it is stored ALREADY reverse-coded
(8 - raw), so every loading of the fitted model is positive.

Extra columns the model does not use: resp_id (integer id) and note
(free text, mostly empty, some containing commas and quotes).

Run: cd tests/reference/mediation_single && python3 simulate.py
"""
import csv

import numpy as np

SEED = 20260301
N = 320

A, B, CP = 0.50, 0.40, 0.15

LOADINGS = {
    "ar1": 0.78, "ar2": 0.72, "ar3": 0.81, "ar4": -0.68,  # ar4 reverse-worded
    "iol1": 0.80, "iol2": 0.74, "iol3": 0.70, "iol4": 0.83,
    "ai1": 0.76, "ai2": 0.70, "ai3": 0.82, "ai4": 0.66, "ai5": 0.73, "ai6": 0.79,
}
FACTOR = {k: ("AR" if k.startswith("ar") else "IOL" if k.startswith("iol") else "AI")
          for k in LOADINGS}
# 7-point thresholds on the standard-normal item scale (agreement scales
# lean to the upper categories).
THRESHOLDS = np.array([-2.1, -1.5, -0.85, -0.15, 0.6, 1.4])

NOTES = ["n/a, later", "see comment", "respondent asked: \"is this anonymous?\"",
         "N/A", "called back; ok", "partner firm, 2nd contact"]


def main() -> None:
    rng = np.random.default_rng(SEED)
    ar = rng.standard_normal(N)
    iol = A * ar + np.sqrt(1 - A**2) * rng.standard_normal(N)
    # var(AI) = 1: explained = b^2 + cp^2 + 2*b*cp*cov(IOL, AR)
    expl = B**2 + CP**2 + 2 * B * CP * A
    ai = B * iol + CP * ar + np.sqrt(1 - expl) * rng.standard_normal(N)
    eta = {"AR": ar, "IOL": iol, "AI": ai}

    items = {}
    for name, lam in LOADINGS.items():
        y = lam * eta[FACTOR[name]] + np.sqrt(1 - lam**2) * rng.standard_normal(N)
        cat = 1 + np.searchsorted(THRESHOLDS, y)  # 1..7
        if lam < 0:
            cat = 8 - cat  # store reverse-coded
        items[name] = cat.astype(int)

    has_note = rng.random(N) < 0.2
    note_idx = rng.integers(0, len(NOTES), N)
    notes = [NOTES[j] if h else "" for h, j in zip(has_note, note_idx)]

    cols = ["resp_id"] + list(LOADINGS) + ["note"]
    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for i in range(N):
            w.writerow([1001 + i] + [int(items[k][i]) for k in LOADINGS] + [notes[i]])


if __name__ == "__main__":
    main()
