"""Simulate the mediation_parallel data set (numpy only, fixed seed).

Three correlated social-capital latents SC_S (structural, sc_s1-3),
SC_R (relational, sc_r1-3) and SC_C (cognitive, sc_c1-3) act on two
parallel mediators KS (knowledge sharing, ks1-4) and TR (trust, tr1-3),
which act on IP (innovation performance, ip1-4); SC_* also have direct
paths to IP. All latents have unit variance in the population; the
mediators' disturbances are uncorrelated (as in the fitted model, where
lavaan adds no KS ~~ TR covariance).

Items: y = l * eta + sqrt(1 - l^2) * e, standardized loadings in [.65, .85],
cut into 5-point categories (integers 1..5) with asymmetric thresholds, so
the items lean to the upper categories (a little negative skew).

Run: cd tests/reference/mediation_parallel && python3 simulate.py
"""
import csv

import numpy as np

SEED = 20260302
N = 400

PHI = np.array([[1.00, 0.45, 0.40],
                [0.45, 1.00, 0.50],
                [0.40, 0.50, 1.00]])          # SC_S, SC_R, SC_C
A = np.array([0.25, 0.30, 0.20])              # a1..a3: SC_* -> KS
D = np.array([0.15, 0.35, 0.20])              # d1..d3: SC_* -> TR
B1, B2 = 0.35, 0.25                           # KS -> IP, TR -> IP
C = np.array([0.10, 0.05, 0.10])              # c1..c3: SC_* -> IP

LOADINGS = {
    "sc_s1": 0.78, "sc_s2": 0.70, "sc_s3": 0.74,
    "sc_r1": 0.81, "sc_r2": 0.76, "sc_r3": 0.68,
    "sc_c1": 0.72, "sc_c2": 0.79, "sc_c3": 0.66,
    "ks1": 0.80, "ks2": 0.75, "ks3": 0.71, "ks4": 0.83,
    "tr1": 0.77, "tr2": 0.84, "tr3": 0.69,
    "ip1": 0.74, "ip2": 0.82, "ip3": 0.67, "ip4": 0.79,
}
PREFIX = {"sc_s": "SC_S", "sc_r": "SC_R", "sc_c": "SC_C", "ks": "KS", "tr": "TR", "ip": "IP"}
THRESHOLDS = np.array([-2.0, -1.1, -0.1, 1.0])


def factor_of(item: str) -> str:
    return PREFIX[item.rstrip("0123456789")]


def main() -> None:
    rng = np.random.default_rng(SEED)
    sc = rng.multivariate_normal(np.zeros(3), PHI, size=N, method="cholesky")
    psi_ks = 1 - A @ PHI @ A
    psi_tr = 1 - D @ PHI @ D
    ks = sc @ A + np.sqrt(psi_ks) * rng.standard_normal(N)
    tr = sc @ D + np.sqrt(psi_tr) * rng.standard_normal(N)
    # population covariance of (SC_S, SC_R, SC_C, KS, TR) for IP's disturbance
    W = np.vstack([np.eye(3), A, D])           # 5 x 3 loadings on SC
    S5 = W @ PHI @ W.T + np.diag([0, 0, 0, psi_ks, psi_tr])
    g = np.concatenate([C, [B1, B2]])
    ip = sc @ C + B1 * ks + B2 * tr + np.sqrt(1 - g @ S5 @ g) * rng.standard_normal(N)
    eta = {"SC_S": sc[:, 0], "SC_R": sc[:, 1], "SC_C": sc[:, 2], "KS": ks, "TR": tr, "IP": ip}

    items = {}
    for name, lam in LOADINGS.items():
        y = lam * eta[factor_of(name)] + np.sqrt(1 - lam**2) * rng.standard_normal(N)
        items[name] = (1 + np.searchsorted(THRESHOLDS, y)).astype(int)  # 1..5

    with open("data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["resp_id"] + list(LOADINGS))
        for i in range(N):
            w.writerow([2001 + i] + [int(items[k][i]) for k in LOADINGS])


if __name__ == "__main__":
    main()
