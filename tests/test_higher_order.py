"""CR and AVE of first- and second-order factors against semTools 0.5.6."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import OptionError
from semwb.measurement.higher_order import (
    factor_reliability,
    second_order_quality,
    second_order_reliability,
)
from semwb.pipeline import prepare_data, read_data, run_analysis
from semwb.report import render_report
from semwb.sem.estimate import fit_model
from semwb.sem.spec import ModelSpec, load_spec
from semwb.survey.instrument import Instrument
from semwb.survey.instrument_lookup import spec_instrument
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


H7 = REPO / "models" / "apmc_learning_climate_breakthrough.yaml"
H7_REF = json.loads((REFERENCE / "reviewer_questions" / "reference.json").read_text("utf-8"))[
    "second_order_structural"]


def _h7() -> tuple[ModelSpec, pd.DataFrame, Instrument]:
    spec = load_spec(H7)
    instrument = spec_instrument(spec)
    assert instrument is not None
    assert spec.data is not None
    data = prepare_data(read_data(spec.data, instrument=instrument), instrument=instrument)
    return spec, data, instrument


def _lines(syntax: str) -> list[str]:
    return [" ".join(line.split()) for line in syntax.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_a_shipped_second_order_spec_matches_comprelsem_of_its_cfa() -> None:
    """H7's APMC: semwb takes the measurement model as a CFA (semTools' higher = on the
    structural model would add the items of LC and BRI, regressed on APMC, to its composite)."""
    spec, data, _ = _h7()
    assert _lines(spec.syntax)[:8] == _lines(H7_REF["structural_syntax"])  # the same model
    second = second_order_reliability(spec, data)
    assert list(second) == ["APMC"]
    apmc = second["APMC"]
    assert apmc["n_obs"] == H7_REF["n"]
    assert apmc["first_order"] == ["PRO", "RGOV", "PCOORD"]
    assert apmc["cr"] == pytest.approx(H7_REF["compRelSEM"]["APMC"], abs=1e-5)
    structural = factor_reliability(fit_model(spec, data)).set_index("construct")
    # the structural part is saturated here: the same value from the structural fit, and
    # not semTools' structural one (0.728), which counts 15 items
    assert structural.loc["APMC", "cr"] == pytest.approx(apmc["cr"], abs=1e-5)
    assert abs(structural.loc["APMC", "cr"] - H7_REF["structural_compRelSEM"]["APMC"]) > 0.03
    for first in ("PRO", "RGOV", "PCOORD", "LC", "BRI"):
        assert structural.loc[first, "cr"] == pytest.approx(H7_REF["compRelSEM"][first],
                                                            abs=1e-5), first
        assert structural.loc[first, "ave"] == pytest.approx(H7_REF["AVE"][first], abs=1e-5)


def test_the_report_shows_the_second_order_reliability() -> None:
    spec, data, instrument = _h7()
    results = run_analysis(spec.model_copy(update={"bootstrap": None}), data,
                           instrument=instrument)
    saved = results.quality["second_order"]["APMC"]
    assert saved["cr"] == pytest.approx(H7_REF["compRelSEM"]["APMC"], abs=1e-5)
    for lang, note in (("en", "Second-order factors: CR is the share"), ("zh", "二阶因子：CR")):
        page = render_report(results, lang=lang, instrument=instrument)
        row = re.search(r"<tr><td>APMC</td>(.*?)</tr>", page, re.S)
        assert row is not None, lang
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        assert [c.strip() for c in cells][2:] == [f"{saved['cr']:.2f}"[1:],
                                                  f"{saved['ave']:.2f}"[1:]]
        assert note in page


def test_fiml_and_groups_are_refused_not_given_nan() -> None:
    spec = load_spec(REFERENCE / "hs_second_order" / "model.lav", missing="fiml")
    data = HS.copy()
    data.loc[:10, "x1"] = float("nan")
    with pytest.raises(OptionError, match="'missing: fiml'"):
        factor_reliability(fit_model(spec, data))
    quality, warnings = second_order_quality(spec, data)
    assert quality == {}
    assert warnings[0].startswith("reliability of second-order factors was not computed: ")
