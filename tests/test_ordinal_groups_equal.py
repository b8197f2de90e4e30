"""WLSMV with lavaan's ``group.equal`` kinds and ``group.partial`` against lavaan 0.6.14 on
tests/reference/ordinal_groups_equal (ordinal_groups' 3-factor CFA of 5-category items by
ownership): thresholds alone, loadings alone, loadings + thresholds + means + lv.variances,
lv.covariances with intercepts and residuals and three partial rows, and every kind at once.

Every row of both groups: est and std_all 1e-5 absolute, SEs 2e-5 relative (lavaan stops its
iterations earlier: its estimates differ from the converged ones by up to 8.5e-6), R² 1e-5;
chi-squares, scaling factor and baseline 1e-6 relative; CFI/TLI/RMSEA/SRMR and p 1e-6
absolute; npar and df exact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import spec_from_syntax

FOLDER = Path(__file__).parent / "reference"
CASES = json.loads((FOLDER / "ordinal_groups_equal" / "lavaan.json").read_text(encoding="utf-8"))
RELATIVE = ["chisq", "chisq_scaled", "chisq_scaling_factor", "baseline_chisq",
            "baseline_chisq_scaled"]
ABSOLUTE = ["pvalue", "pvalue_scaled", "cfi", "tli", "cfi_scaled", "tli_scaled", "rmsea",
            "rmsea_scaled", "srmr"]


@pytest.fixture(scope="module", params=sorted(CASES))
def fitted(request: pytest.FixtureRequest) -> tuple[FitResult, dict[str, Any]]:
    ref = CASES[request.param]
    spec = spec_from_syntax((FOLDER / "ordinal_groups" / "model.lav").read_text(encoding="utf-8"),
                            name="ordinal_groups_equal", ordered="all", group="owner",
                            group_equal=list(ref["group_equal"]),
                            group_partial=list(ref["group_partial"]))
    return fit_model(spec, pd.read_csv(FOLDER / "ordinal_groups" / "data.csv")), ref


def test_every_row_of_both_groups_matches_lavaan(fitted: tuple[FitResult, dict[str, Any]]
                                                 ) -> None:
    fit, ref = fitted
    assert fit.converged
    number = {level: k + 1 for k, level in enumerate(fit.groups)}
    mine = {(r["lhs"], r["op"], r["rhs"], number[r["group"]]): r
            for r in fit.parameters.to_dict("records")}
    assert len(mine) == len(ref["parameters"])
    for row in ref["parameters"]:
        got = mine[(row["lhs"], row["op"], row["rhs"], row["group"])]
        where = f"{row['lhs']} {row['op']} {row['rhs']} (group {row['group']})"
        assert got["est"] == pytest.approx(row["est"], abs=1e-5), where
        assert got["std_all"] == pytest.approx(row["std_all"], abs=1e-5), where
        assert got["se"] == pytest.approx(row["se"], rel=2e-5, abs=1e-9), where
        assert got["free"] == (row["se"] > 0), where


def test_fit_measures_and_r2_match_lavaan(fitted: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = fitted
    measures = fit.fit.model_dump()
    for key in RELATIVE:
        assert measures[key] == pytest.approx(ref["fit"][key], rel=1e-6), key
    for key in ABSOLUTE:
        assert measures[key] == pytest.approx(ref["fit"][key], abs=1e-6), key
    for key in ("npar", "df", "baseline_df"):
        assert measures[key] == ref["fit"][key], key
    for level, values in ref["r2"].items():
        for item, value in values.items():
            assert fit.r2[f"{item} [{level}]"] == pytest.approx(value, abs=1e-5), (level, item)


def test_cli_fit_with_group_equal_and_group_partial(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from semwb.cli import app

    ref = CASES["partial"]
    case = FOLDER / "ordinal_groups"
    spec = tmp_path / "partial.yaml"
    spec.write_text(
        "model: ordinal-partial\n"
        f"data: {case / 'data.csv'}\n"
        "ordered: all\n"
        "group: owner\n"
        f"group_equal: [{', '.join(ref['group_equal'])}]\n"
        f"group_partial: [{', '.join(repr(p) for p in ref['group_partial'])}]\n"
        "syntax: |\n" + "".join(f"  {line}\n" for line in
                                (case / "model.lav").read_text().splitlines()),
        encoding="utf-8")
    result = CliRunner().invoke(app, ["fit", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert saved["fit"]["npar"] == ref["fit"]["npar"]
    assert saved["fit"]["chisq_scaled"] == pytest.approx(ref["fit"]["chisq_scaled"], rel=1e-6)
    assert saved["group_partial"] == ref["group_partial"]
