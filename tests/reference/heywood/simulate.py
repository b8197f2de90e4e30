"""Simulate heywood/data.csv: a small sample on which lavaan's ML estimate has a negative variance.

Two correlated factors (r = .50): f1 with three indicators (loadings .95, .55, .45), f2 with two
(.75, .65); N = 60; continuous values rounded to 3 decimals; numpy only. SEED = 1 is the first
of 1, 2, 3, ... for which lavaan 0.6.14 warns about a negative estimated variance (searched once:
``python simulate.py SEED FILE`` for each seed, then cfa() in Rscript). Run: python simulate.py
(from this folder).
"""

import sys

import numpy as np

SEED = 1
N = 60


def simulate(seed: int) -> np.ndarray:
    """Return the N x 5 data matrix (a1, a2, a3, b1, b2) for one seed."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], N)
    cols = []
    for factor, lam in ((0, 0.95), (0, 0.55), (0, 0.45), (1, 0.75), (1, 0.65)):
        cols.append(lam * f[:, factor] + np.sqrt(1 - lam**2) * rng.standard_normal(N))
    return np.round(np.column_stack(cols), 3)


def write(values: np.ndarray, path: str) -> None:
    """Write the matrix as a CSV with header a1, a2, a3, b1, b2."""
    np.savetxt(path, values, fmt="%.3f", delimiter=",", header="a1,a2,a3,b1,b2", comments="")


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else SEED
    write(simulate(seed), sys.argv[2] if len(sys.argv) > 2 else "data.csv")
