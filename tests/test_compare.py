"""Model comparison against lavaan 0.6.14's ``lavTestLRT`` and ``semwb compare``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import OptionError
from semwb.sem import compare as compare_module
from semwb.sem.compare import Difference, compare_models, net_minimum
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import spec_from_syntax
from survey_helpers import REPO

REFERENCE = REPO / "tests" / "reference"
HS = REFERENCE / "holzinger_swineford"
LRT = json.loads((REFERENCE / "reviewer_questions" / "reference.json").read_text("utf-8"))["lrt"]
THREE = (HS / "model.lav").read_text("utf-8")
TWO = "verbal =~ x1 + x2 + x3 + x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _fit(syntax: str, name: str, **options: Any) -> FitResult:
    return fit_model(spec_from_syntax(syntax, name=name, defaults="cfa", **options),
                     pd.read_csv(HS / "data.csv"))


@pytest.fixture(scope="module")
def lrt_fits() -> dict[str, FitResult]:
    return {"three_factor": _fit(THREE, "three_factor"),
            "orthogonal": _fit(THREE, "orthogonal", orthogonal=True),
            "equal_loadings": _fit(LRT["equal_loadings_syntax"], "equal_loadings",
                                   orthogonal=True)}


def test_nested_sequence_matches_lavtestlrt(lrt_fits: dict[str, FitResult]) -> None:
    """Given in any order, the models are sorted by df and tested as lavTestLRT tests them."""
    shuffled = [lrt_fits[k] for k in ("equal_loadings", "three_factor", "orthogonal")]
    table = compare_models(shuffled).table
    assert list(table["model"]) == LRT["models"]
    assert table["against"].tolist()[1:] == ["three_factor", "orthogonal"]
    assert pd.isna(table["against"].iloc[0])
    for column, key in (("chisq_diff", "chisq_diff"), ("pvalue_diff", "pvalue"),
                        ("rmsea_diff", "rmsea")):
        assert table[column].iloc[1:].tolist() == pytest.approx(LRT[key][1:], rel=1e-5), column
    assert table["df_diff"].iloc[1:].tolist() == LRT["df_diff"][1:]
    for name, row in zip(table["model"], table.itertuples(), strict=True):
        ref = LRT["criteria"][name]
        for column in ("aic", "bic", "bic2", "chisq"):
            assert getattr(row, column) == pytest.approx(ref[column], rel=1e-7), column
        assert (row.df, row.npar) == (ref["df"], ref["npar"])


def test_a_model_nested_in_none_is_shown_without_a_test(
        lrt_fits: dict[str, FitResult]) -> None:
    """Visual and textual as one factor (df 26) vs three orthogonal factors (df 27): not nested
    (NET refit far from zero), so compared by the information criteria only."""
    two = _fit(TWO, "two")
    value, _ = net_minimum(two, lrt_fits["orthogonal"])
    assert value > 1e-3
    table = compare_models([two, lrt_fits["orthogonal"]]).table
    assert table["against"].isna().all()
    assert table["chisq_diff"].isna().all()
    assert table["aic"].notna().all()


def test_equivalent_models_are_named_not_tested(lrt_fits: dict[str, FitResult]) -> None:
    """A second-order factor over three first-order ones reproduces the 3-factor CFA: same df,
    nested both ways."""
    second = _fit((REFERENCE / "hs_second_order" / "model.lav").read_text("utf-8"), "second")
    table = compare_models([lrt_fits["three_factor"], second]).table
    assert table["equivalent_to"].tolist()[1] == "three_factor"
    assert table["against"].isna().all()


def test_different_data_are_refused(lrt_fits: dict[str, FitResult]) -> None:
    fewer = _fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", "fewer")
    with pytest.raises(OptionError, match="not fitted to the same data"):
        compare_models([lrt_fits["three_factor"], fewer])


def test_the_difference_test_comes_from_the_estimator_seam(
        lrt_fits: dict[str, FitResult], monkeypatch: pytest.MonkeyPatch) -> None:
    """A robust estimator plugs its scaled test into DIFFERENCE_TESTS; none -> a clear error."""
    def halved(free: FitResult, restricted: FitResult) -> Difference:
        return Difference(1.0, 3, 0.5, 0.0, "a scaled test")

    monkeypatch.setitem(compare_module.DIFFERENCE_TESTS, "ML", halved)
    comparison = compare_models([lrt_fits["three_factor"], lrt_fits["orthogonal"]])
    assert comparison.method == "a scaled test"
    assert comparison.table["chisq_diff"].iloc[1] == 1.0
    monkeypatch.delitem(compare_module.DIFFERENCE_TESTS, "ML")
    with pytest.raises(OptionError, match="no difference test for estimator"):
        compare_models([lrt_fits["three_factor"], lrt_fits["orthogonal"]])


def test_cli_writes_the_table_json_and_page(tmp_path: Path) -> None:
    (tmp_path / "three.lav").write_text(THREE, encoding="utf-8")
    (tmp_path / "orth.lav").write_text(
        THREE + "\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "three.lav"),
                                      str(tmp_path / "orth.lav"), "--data", str(HS / "data.csv"),
                                      "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "comparison.json").read_text("utf-8"))
    assert [m["model"] for m in saved["models"]] == ["three", "orth"]
    assert saved["models"][1]["chisq_diff"] == pytest.approx(LRT["chisq_diff"][1], rel=1e-5)
    page = (out / "comparison.html").read_text("utf-8")
    assert "模型比较" in page
    assert "<code>orth</code>" in page
    assert "68.22" in page


def test_an_80_column_terminal_cuts_no_number(tmp_path: Path) -> None:
    """Long model names fold; AIC, BIC and the difference test print whole (no "7595…")."""
    names = ("three_factor_measurement_model", "orthogonal_factors_alternative_model")
    (tmp_path / f"{names[0]}.lav").write_text(THREE, encoding="utf-8")
    (tmp_path / f"{names[1]}.lav").write_text(
        THREE + "\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed\n", encoding="utf-8")
    shown = subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "compare",
         *(str(tmp_path / f"{n}.lav") for n in names), "--data", str(HS / "data.csv"),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "80"},
    ).stdout
    assert "…" not in shown
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    for column, digits in (("aic", 1), ("bic", 1), ("bic2", 1), ("chisq", 2)):
        for value in table[column]:
            assert f"{value:.{digits}f}" in shown
    assert f"{table['chisq_diff'].iloc[1]:.2f}" in shown


def test_cli_needs_two_models() -> None:
    result = CliRunner().invoke(app, ["compare", str(HS / "model.lav"), "--data",
                                      str(HS / "data.csv")])
    assert result.exit_code != 0
    assert "two or more models" in str(result.exception)


def test_a_negative_loading_is_warned_in_results_terminal_and_reliability(tmp_path: Path) -> None:
    """An item coded the wrong way round: results.json, the terminal and `semwb reliability` warn,
    and the report says it once (in its own words)."""
    data = pd.read_csv(HS / "data.csv")
    data["x2"] = -data["x2"]
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "three.lav").write_text(THREE, encoding="utf-8")
    fitted = CliRunner().invoke(app, ["fit", str(tmp_path / "three.lav"), "--data",
                                      str(tmp_path / "data.csv"), "--out", str(tmp_path / "out")])
    assert fitted.exit_code == 0, fitted.output
    saved = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    (warning,) = [w for w in saved["warnings"] if "negative standardized loading" in w]
    assert warning.startswith("loading: x2 has a negative standardized loading (-0.")
    assert "on visual" in warning
    assert "x2 has a negative standardized loading" in " ".join(fitted.stdout.split())
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert report.count("looks reverse-worded") == 1
    reliability = CliRunner().invoke(app, ["reliability", str(tmp_path / "three.lav"), "--data",
                                           str(tmp_path / "data.csv")])
    assert reliability.exit_code == 0, reliability.output
    assert "x2 has a negative standardized loading" in " ".join(reliability.stdout.split())
