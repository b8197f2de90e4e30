"""Exploratory factor analysis against psych 2.2.9 (tests/reference/efa_alliance)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.errors import OptionError
from semwb.explore.efa import fit_factors, run_efa
from semwb.explore.nfactors import parallel_analysis, velicer_map
from semwb.explore.rotation import oblimin, promax, varimax
from semwb.measurement.correlations import pairwise_corr

CASE = Path(__file__).parent / "reference" / "efa_alliance"
REF = json.loads((CASE / "psych.json").read_text(encoding="utf-8"))
DATA = pd.read_csv(CASE / "data.csv")
CORR = pd.DataFrame(pairwise_corr(DATA.to_numpy(dtype=float)), index=DATA.columns,
                    columns=DATA.columns)


@pytest.mark.parametrize("key", sorted(REF["solutions"]))
def test_solution_matches_psych(key: str) -> None:
    method, rotation = key.split("_")
    ref = REF["solutions"][key]
    got = fit_factors(CORR, 3, n_obs=REF["n_obs"], method=method, rotation=rotation)
    np.testing.assert_allclose(got.loadings.to_numpy(), ref["loadings"], atol=5e-5)
    np.testing.assert_allclose(got.communalities.to_numpy(), ref["communalities"], atol=5e-5)
    np.testing.assert_allclose(got.phi.to_numpy(), ref["phi"], atol=5e-5)
    assert got.fit["objective"] == pytest.approx(ref["objective"], rel=1e-4)
    assert got.fit["chisq"] == pytest.approx(ref["chisq"], rel=1e-4)
    assert got.fit["df"] == ref["df"]
    assert got.fit["rmsea"] == pytest.approx(ref["rmsea"], abs=1e-5)
    assert got.converged


def test_map_matches_psych_vss() -> None:
    got = velicer_map(CORR.to_numpy())
    np.testing.assert_allclose(got["map"][:8], REF["map"], rtol=1e-8)
    assert got["n_factors"] == int(np.argmin(REF["map"])) + 1


def test_parallel_analysis_matches_psych_within_monte_carlo_error() -> None:
    ref = REF["parallel"]
    got = parallel_analysis(CORR.to_numpy(), REF["n_obs"], draws=200, rng=1)
    np.testing.assert_allclose(got.observed_pc, ref["observed_pc"], atol=1e-10)
    np.testing.assert_allclose(got.observed_fa, ref["observed_fa"], atol=1e-6)
    # 200 draws each side: the simulated means differ by Monte Carlo error only
    np.testing.assert_allclose(got.simulated_pc, ref["simulated_pc"], atol=0.03)
    np.testing.assert_allclose(got.simulated_fa, ref["simulated_fa"], atol=0.05)
    assert (got.n_factors, got.n_components) == (ref["nfact"], ref["ncomp"])


def test_same_seed_same_parallel_analysis() -> None:
    first = parallel_analysis(CORR.to_numpy(), 320, draws=5, rng=7)
    again = parallel_analysis(CORR.to_numpy(), 320, draws=5, rng=7)
    np.testing.assert_array_equal(first.simulated_fa, again.simulated_fa)


def test_run_efa_suggests_three_factors_and_flags_items() -> None:
    result = run_efa(DATA, draws=20, rng=1)
    solution = result.solution
    assert solution.n_factors == 3
    flags = solution.items
    # ar4 (reverse-worded) has the weakest communality of the scale (psych: 0.199)
    assert flags["h2"].idxmin() == "ar4"
    assert bool(flags.loc["ar4", "low_communality"])
    primary = flags["factor"]
    assert primary[["ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]].nunique() == 1
    assert primary[["iol1", "iol2", "iol3", "iol4"]].nunique() == 1
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["kmo"] == pytest.approx(result.kmo)


def test_cross_loadings_are_flagged() -> None:
    loadings = pd.DataFrame([[0.70, 0.05], [0.45, 0.40], [0.10, 0.20]], index=["a", "b", "c"],
                            columns=["F1", "F2"])
    h2 = pd.Series([0.5, 0.4, 0.05], index=loadings.index)
    from semwb.explore.efa import _item_table

    table = _item_table(loadings, h2, cross=0.32, primary=0.40, communality=0.20)
    assert table["cross_loading"].tolist() == [False, True, False]
    assert table["weak_loading"].tolist() == [False, False, True]
    assert table["low_communality"].tolist() == [False, False, True]
    assert table.loc["b", "second"] == pytest.approx(0.40)


@pytest.mark.parametrize("rotation", [varimax, promax, oblimin])
def test_rotations_keep_the_common_variance(rotation: object) -> None:
    rng = np.random.default_rng(3)
    start = rng.uniform(-0.8, 0.8, size=(9, 3))
    turned = rotation(start)  # type: ignore[operator]
    implied = turned.loadings @ turned.phi @ turned.loadings.T
    np.testing.assert_allclose(implied, start @ start.T, atol=1e-10)
    np.testing.assert_allclose(np.diag(turned.phi), 1.0, atol=1e-12)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_factors": 14}, "between 1 and 13"),
    ({"n_factors": 2, "rotation": "quartimax"}, "Unknown rotation 'quartimax'"),
    ({"n_factors": 2, "method": "pa"}, "Unknown extraction 'pa'"),
])
def test_bad_options_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        fit_factors(CORR, n_obs=320, **kwargs)  # type: ignore[arg-type]


def test_constant_item_is_named() -> None:
    data = DATA.assign(ar1=4.0)
    with pytest.raises(OptionError, match="ar1"):
        run_efa(data, 2, draws=2, rng=1)
