"""Results in Python: DataFrames like lavaan's parameterEstimates and fitMeasures, summary()."""

from __future__ import annotations

import math

from report_support import mediation_results


def test_to_frame_has_one_row_per_parameter_in_lavaan_naming() -> None:
    results = mediation_results()
    frame = results.to_frame()
    assert list(frame.columns[:10]) == ["lhs", "op", "rhs", "label", "group", "free", "est", "se",
                                        "z", "pvalue"]
    assert len(frame) == len(results.parameters)
    ind = frame.query("op == ':=' and lhs == 'ind'").iloc[0]
    row = next(r for r in results.parameters if r.lhs == "ind")
    assert (ind["est"], ind["ci_lower"], ind["ci_upper"]) == (row.est, row.ci_lower, row.ci_upper)
    marker = frame.query("op == '=~' and rhs == 'ar1'").iloc[0]
    assert math.isnan(marker["z"])  # undefined numbers are NaN, the columns stay numeric
    assert frame["est"].dtype == float


def test_fit_frame_is_indexed_by_measure() -> None:
    results = mediation_results()
    fit = results.fit_frame()
    assert fit.loc["cfi", "value"] == results.fit.cfi
    assert fit.loc["df", "value"] == results.fit.df
    assert {"chisq", "rmsea", "srmr", "aic", "bic"} <= set(fit.index)


def test_summary_reads_like_lavaans() -> None:
    text = mediation_results().summary()
    order = [text.index(h) for h in ("Model Test User Model:", "Latent Variables (95% CI):",
                                     "Regressions (95% CI):", "Variances (95% CI):",
                                     "Defined Parameters (95% CI):")]
    assert order == sorted(order)
    assert "  Standard errors and CIs      bootstrap percentile" in text
    lines = text.splitlines()
    assert lines[lines.index("  AR =~") + 1].split() == ["ar1", "1.000", "0.780"]  # fixed: no SE
    assert next(line for line in lines if "ind := a*b" in line).split()[3:] == [
        "0.171", "0.035", "4.886", "0.000", "0.105", "0.238", "0.190"]
    assert "IOL ~~ IOL" in text
