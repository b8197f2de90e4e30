"""Correlation tables: zero-order and partial correlations, stars, layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from semwb.errors import OptionError
from semwb.explore.correlations import correlation_table, stars


@pytest.fixture(scope="module")
def firms() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 200
    industry = rng.choice(["mfg", "ict", "svc"], size=n)
    age = rng.integers(2, 40, size=n).astype(float)
    shift = pd.Series(industry).map({"mfg": 0.0, "ict": 0.8, "svc": -0.5}).to_numpy()
    x = 0.03 * age + shift + rng.normal(size=n)
    y = 0.4 * x + 0.02 * age + shift + rng.normal(size=n)
    z = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": y, "z": z, "age": age, "industry": industry})
    frame.loc[3, "z"] = np.nan
    return frame


def _residual(values: np.ndarray, design: np.ndarray) -> np.ndarray:
    beta = np.linalg.lstsq(design, values, rcond=None)[0]
    return np.asarray(values - design @ beta)


def test_partial_correlation_equals_correlation_of_residuals(firms: pd.DataFrame) -> None:
    table = correlation_table(firms, ["x", "y", "z"], controls=["age", "industry"],
                              categorical=["industry"])
    design = np.column_stack([np.ones(len(firms)), firms["age"],
                              firms["industry"] == "ict", firms["industry"] == "svc"])
    expected = np.corrcoef(_residual(firms["x"].to_numpy(), design),
                           _residual(firms["y"].to_numpy(), design))[0, 1]
    row = table.pairs.set_index(["x", "y"]).loc[("x", "y")]
    assert row["r"] == pytest.approx(expected, abs=1e-10)
    df = len(firms) - 2 - 3  # three control columns: age and two industry indicators
    t = expected * np.sqrt(df / (1 - expected**2))
    assert row["pvalue"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-6)
    assert table.controls == ("age", "industry_mfg", "industry_svc")


def test_zero_order_table_layout_and_stars(firms: pd.DataFrame) -> None:
    table = correlation_table(firms, ["x", "y", "z"])
    r, p = stats.pearsonr(firms["x"], firms["y"])
    row = table.pairs.set_index(["x", "y"]).loc[("x", "y")]
    assert row["r"] == pytest.approx(r, abs=1e-12)
    assert row["pvalue"] == pytest.approx(p, rel=1e-8)
    assert table.matrix.loc["y", "x"] == f"{r:.2f}".replace("0.", ".") + stars(p)
    assert table.matrix.loc["x", "y"] == ""
    assert table.matrix.loc["z", "z"] == "1"
    assert table.pairs.set_index(["x", "y"]).loc[("x", "z"), "n"] == len(firms) - 1
    assert table.descriptives.loc["x", "mean"] == pytest.approx(firms["x"].mean())


@pytest.mark.parametrize(("pvalue", "mark"), [(0.0009, "***"), (0.001, "**"), (0.009, "**"),
                                              (0.049, "*"), (0.05, ""), (0.5, "")])
def test_stars(pvalue: float, mark: str) -> None:
    assert stars(pvalue) == mark


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"columns": ["x", "nope"]}, "No column\\(s\\) nope"),
    ({"columns": ["x"]}, "at least two columns"),
    ({"columns": ["x", "y"], "method": "kendall"}, "Unknown correlation method 'kendall'"),
    ({"columns": ["x", "y"], "controls": ["size"]}, "No control column\\(s\\) size"),
    ({"columns": ["x", "y"], "controls": ["age"], "categorical": ["industry"]},
     "industry are not among the controls"),
])
def test_bad_options_are_named(firms: pd.DataFrame, kwargs: dict[str, object],
                               message: str) -> None:
    with pytest.raises(OptionError, match=message):
        correlation_table(firms, **kwargs)  # type: ignore[arg-type]
