"""CR and AVE of first- and second-order factors against semTools 0.5.6."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.measurement.higher_order import factor_reliability
from semwb.sem.estimate import fit_model
from semwb.sem.spec import load_spec
from survey_helpers import REPO

REFERENCE = REPO / "tests" / "reference"
HS = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
REF = json.loads((REFERENCE / "reviewer_questions" / "reference.json").read_text("utf-8"))[
    "second_order"]


def test_second_order_cfa_matches_comprelsem_higher_and_ave() -> None:
    fit = fit_model(load_spec(REFERENCE / "hs_second_order" / "model.lav"), HS)
    table = factor_reliability(fit).set_index("construct")
    assert table.loc["g", "order"] == 2
    assert table.loc["g", "items"] == ",".join(f"x{i}" for i in range(1, 10))
    for construct, value in REF["compRelSEM"].items():
        assert table.loc[construct, "cr"] == pytest.approx(value, abs=1e-5), construct
    for construct, value in REF["AVE"].items():
        assert table.loc[construct, "ave"] == pytest.approx(value, abs=1e-5), construct
    second = fit.parameters.query("op == '=~' and lhs == 'g'")["std_all"]
    assert table.loc["g", "ave"] == pytest.approx(float((second ** 2).mean()))


def test_structural_paths_are_not_higher_order_loadings() -> None:
    """dem60 ~ ind60 is a regression: every factor of PoliticalDemocracy is first-order."""
    case = REFERENCE / "political_democracy"
    fit = fit_model(load_spec(case / "model.lav"), pd.read_csv(case / "data.csv"))
    table = factor_reliability(fit)
    assert list(table["order"]) == [1, 1, 1]
    assert table.set_index("construct").loc["ind60", "items"] == "x1,x2,x3"


def test_cli_prints_the_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reliability", str(REFERENCE / "hs_second_order" /
                                                         "model.lav"),
                                      "--data", str(REFERENCE / "holzinger_swineford" /
                                                    "data.csv"),
                                      "--out", str(tmp_path / "reliability.csv")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "reliability.csv").set_index("construct")
    assert written.loc["g", "cr"] == pytest.approx(REF["compRelSEM"]["g"], abs=1e-5)
    assert "0.564" in result.stdout
