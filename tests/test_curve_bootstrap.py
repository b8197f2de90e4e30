"""Bootstrap percentile intervals of turning points (semwb.conditional.curve_bootstrap)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"

def test_turning_point_gets_a_bootstrap_percentile_interval() -> None:
    from semwb.model_data import model_data
    from semwb.pipeline import run_analysis
    from semwb.report.render import render_report
    from semwb.sem.bootstrap import bootstrap_model
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import BootstrapOptions, spec_from_syntax

    data = pd.read_csv(REFERENCE / "moderation_observed" / "data.csv")
    spec = spec_from_syntax("yq ~ u + I(u^2)\n", name="u")
    options = BootstrapOptions(draws=400, ci="percentile", level=0.9, seed=3)
    results = run_analysis(spec, data, bootstrap=options)
    assert results.conditional is not None
    (point,) = results.conditional["curves"][0]["at"]
    boot = point["turning_point"]["bootstrap"]
    # The same draws, refitted independently: the turning point -b1 / (2 b2) on the data's
    # scale (u was centred at its mean) has 5 % of its draws below the interval and 5 % above.
    built = model_data(spec, data)
    draws = bootstrap_model(fit_model(built.spec, built.data), draws=400, level=0.9,
                            rng=3).draws
    assert draws is not None
    values = (-draws["yq ~ u"] / (2 * draws["yq ~ I(u^2)"]) + data["u"].mean()).to_numpy()
    assert boot["draws"] == np.isfinite(values).sum() == 400
    assert np.mean(values < boot["ci_lower"]) == pytest.approx(0.05, abs=1.5 / 400)
    assert np.mean(values > boot["ci_upper"]) == pytest.approx(0.05, abs=1.5 / 400)
    assert boot["ci_lower"] < point["turning_point"]["est"] < boot["ci_upper"]
    assert boot["opposite_curvature"] == np.mean(draws["yq ~ I(u^2)"] > 0)
    html = render_report(results, lang="en", downloads=False)
    assert "Bootstrap percentile 90% interval of the turning point" in html
