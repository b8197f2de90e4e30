"""Write the report test fixture: a realistic mediation result (hypothesis 1, surveys/README.md).

The numbers are plausible, not a fit: the report tests must not depend on the estimator. Run from
the repository root: ``python tests/data/report/make_fixture.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(20261128)


def row(lhs, op, rhs, est, se, std, label="", p=None, ci=None, free=True):
    z = None if se in (None, 0) else round(est / se, 4)
    if p is None and z is not None:
        from scipy.stats import norm
        p = float(2 * norm.sf(abs(z)))
    lo, hi = ci if ci else (None if se is None else round(est - 1.96 * se, 4),
                            None if se is None else round(est + 1.96 * se, 4))
    return {"lhs": lhs, "op": op, "rhs": rhs, "label": label, "group": None, "free": free,
            "est": est, "se": se, "z": z, "pvalue": p, "ci_lower": lo, "ci_upper": hi,
            "std_all": std}


loadings = {
    "AR": [("ar1", 0.78), ("ar2", 0.81), ("ar3", 0.74), ("ar4", 0.69)],
    "IOL": [("iol1", 0.80), ("iol2", 0.83), ("iol3", 0.77), ("iol4", 0.72)],
    "AI": [("ai1", 0.75), ("ai2", 0.79), ("ai3", 0.58), ("ai4", 0.81), ("ai5", 0.77),
           ("ai6", 0.70)],
}
params = []
for latent, items in loadings.items():
    for i, (item, std) in enumerate(items):
        if i == 0:
            params.append(row(latent, "=~", item, 1.0, None, std, free=False))
        else:
            est = round(std / items[0][1] * (1 + 0.05 * i), 3)
            params.append(row(latent, "=~", item, est, round(0.055 + 0.004 * i, 3), std))
params += [
    row("IOL", "~", "AR", 0.452, 0.061, 0.468, "a"),
    row("AI", "~", "IOL", 0.378, 0.058, 0.407, "b"),
    row("AI", "~", "AR", 0.118, 0.063, 0.126, "cp"),
]
for items in loadings.values():
    for item, std in items:
        params.append(row(item, "~~", item, round(1 - std**2, 3), 0.03, round(1 - std**2, 3)))
params.append(row("AR", "~~", "AR", 0.61, 0.07, 1.0))
params.append(row("IOL", "~~", "IOL", 0.48, 0.05, 0.781))
params.append(row("AI", "~~", "AI", 0.41, 0.05, 0.735))
draws = rng.normal(0.171, 0.035, 4997)
ind_ci = (round(float(np.quantile(draws, 0.025)), 4), round(float(np.quantile(draws, 0.975)), 4))
params.append(row("ind", ":=", "a*b", 0.171, 0.035, 0.19, "ind", ci=ind_ci))
total = draws + rng.normal(0.118, 0.06, 4997)
tot_ci = (round(float(np.quantile(total, 0.025)), 4), round(float(np.quantile(total, 0.975)), 4))
params.append(row("total", ":=", "cp+a*b", 0.289, 0.066, 0.316, "total", ci=tot_ci))
counts_i, edges_i = np.histogram(draws, bins=40)
counts_t, edges_t = np.histogram(total, bins=40)


def construct_stats(items):
    ls = np.array([s for _, s in items])
    cr = ls.sum() ** 2 / (ls.sum() ** 2 + (1 - ls**2).sum())
    ave = float((ls**2).mean())
    return {"items": [i for i, _ in items], "alpha": round(cr - 0.01, 3),
            "alpha_ci": [round(cr - 0.05, 3), round(cr + 0.02, 3)], "omega": round(cr + 0.003, 3),
            "cr": round(float(cr), 3), "ave": round(ave, 3), "sqrt_ave": round(ave**0.5, 3),
            "loadings": dict(items)}


constructs = {k: construct_stats(v) for k, v in loadings.items()}
corr = {"AR": {"IOL": 0.47, "AI": 0.31}, "IOL": {"AI": 0.46}}
measurement = {
    "constructs": constructs,
    "htmt": {"IOL": {"AR": 0.52}, "AI": {"AR": 0.35, "IOL": 0.53}},
    "htmt2": {"IOL": {"AR": 0.51}, "AI": {"AR": 0.34, "IOL": 0.52}},
    "fornell_larcker": {
        "AR": {"AR": constructs["AR"]["sqrt_ave"], "IOL": 0.47, "AI": 0.31},
        "IOL": {"IOL": constructs["IOL"]["sqrt_ave"], "AR": 0.47, "AI": 0.46},
        "AI": {"AI": constructs["AI"]["sqrt_ave"], "AR": 0.31, "IOL": 0.46},
    },
    "n_obs": 320,
    "harman": {"first_factor_share": 0.3127,
               "single_factor_cfa": {"single_factor": {"chisq": 1321.4, "df": 104, "cfi": 0.512,
                                                       "rmsea": 0.191},
                                     "chisq_diff": 1179.03, "df_diff": 3, "pvalue": 1e-250}},
    "thresholds": {"alpha": 0.70, "cr": 0.70, "ave": 0.50, "htmt": 0.85, "htmt_liberal": 0.90,
                   "loading": 0.60, "harman": 0.50},
    "items": [{"item": item, "construct": cid, "n": 320,
               "mean": round(float(4.6 + rng.uniform(0, 0.8)), 3),
               "sd": round(float(1.0 + rng.uniform(0, 0.4)), 3), "min": 1.0, "max": 7.0,
               "skew": round(float(rng.uniform(-0.6, 0.1)), 3),
               "kurtosis": round(float(rng.uniform(-0.5, 0.5)), 3),
               "citc": round(std - 0.08, 3), "alpha_if_deleted": round(0.8 + 0.1 * (0.75 - std), 3)}
              for cid, group in loadings.items() for item, std in group],
    "kmo": 0.891,
    "bartlett": {"chisq": 2875.41, "df": 91, "pvalue": 1e-300},
    "descriptives": {"AR": {"mean": 5.12, "sd": 1.03}, "IOL": {"mean": 4.87, "sd": 1.11},
                     "AI": {"mean": 4.95, "sd": 0.98}},
    "correlations": corr,
    "formulas": {"cr": "Fornell-Larcker from standardized loadings"},
}
results = {
    "schema_version": 1,
    "model": "routines-learning-ambidexterity",
    "title": {"en": "Alliance routines, learning and ambidextrous innovation",
              "zh": "联盟惯例、组织间学习与双元创新"},
    "n_obs": 320, "n_excluded": 14,
    "exclusions": [{"reason": "failed the attention check", "count": 9},
                   {"reason": "straight-lining on all items", "count": 5}],
    "estimator": "ML", "missing": "listwise", "converged": True,
    "fit": {"chisq": 142.37, "df": 101, "pvalue": 0.0043, "cfi": 0.978, "tli": 0.974,
            "rmsea": 0.036, "rmsea_ci_lower": 0.021, "rmsea_ci_upper": 0.048, "srmr": 0.041,
            "aic": 11234.56, "bic": 11396.61, "loglik": -5574.28, "baseline_chisq": 2512.3,
            "baseline_df": 91, "npar": 43},
    "parameters": params,
    "r2": {"IOL": 0.219, "AI": 0.265},
    "bootstrap": {"draws": 5000, "succeeded": 4997, "ci": "percentile", "level": 0.95, "seed": 1,
                  "failed": [{"draw": 17, "reason": "did not converge"}], "rule": "",
                  "inadmissible": [{"draw": 905, "reason": "negative variance of ai3"}],
                  "histograms": {"ind": {"edges": [round(float(e), 5) for e in edges_i],
                                         "counts": [float(c) for c in counts_i]},
                                 "total": {"edges": [round(float(e), 5) for e in edges_t],
                                           "counts": [float(c) for c in counts_t]}}},
    "measurement": {k: {m: v[m] for m in ("alpha", "omega", "cr", "ave")}
                    for k, v in constructs.items()},
    "htmt": measurement["htmt"],
    "quality": {},
    "hypotheses": [
        {"id": "H1", "path": "AR -> IOL", "expected": "positive",
         "text": {"en": "Alliance routines foster inter-organizational learning.",
                  "zh": "联盟惯例促进组织间学习。"}},
        {"id": "H2", "path": "IOL -> AI", "expected": "positive"},
        {"id": "H3", "path": "AR -> AI", "expected": "positive"},
        {"id": "H4", "path": "AR -> IOL -> AI", "expected": "positive",
         "text": {"en": "Learning mediates the effect of routines.",
                  "zh": "组织间学习在其中起中介作用。"}},
    ],
    "nested_in": [],
    "syntax": "AR  =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n"
              "AI  =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6\nIOL ~ a*AR\nAI  ~ b*IOL + cp*AR\n"
              "ind   := a*b\ntotal := cp + a*b\n",
    "warnings": ["3 of 5000 bootstrap draws did not converge and were dropped."],
    "error": None,
    "provenance": {"spec_path": "models/mediation.yaml", "spec_sha256": "5" * 64,
                   "data_path": "surveys/examples/alliance.csv", "data_sha256": "d" * 64,
                   "semwb": "0.1.0", "semopy": "2.3.11", "python": "3.11.9", "numpy": "1.26.4",
                   "pandas": "2.2.2",
                   "command": "semwb fit models/mediation.yaml --out reports/mediation",
                   "created": "2026-11-28T14:00:00+00:00"},
}
(HERE / "mediation_results.json").write_text(
    json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
(HERE / "mediation_measurement.json").write_text(
    json.dumps(measurement, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
