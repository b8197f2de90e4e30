"""The commands that fit a spec in their own way read its data as ``semwb fit`` does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.cli.spec_data import read_spec_data
from semwb.errors import ResponseDataError, SpecError
from semwb.sem.spec import load_spec
from survey_helpers import REPO

SPEC = REPO / "models" / "routines_learning_ambidexterity.yaml"
LAV = REPO / "tests" / "reference" / "mediation_single" / "model.lav"


def test_the_spec_data_are_reverse_coded_through_its_instrument() -> None:
    built, instrument, data_path = read_spec_data(load_spec(SPEC), None)
    assert instrument is not None
    assert "ar4" in instrument.reverse_items
    assert data_path.resolve() == (REPO / "surveys" / "examples" / "alliance.csv").resolve()
    raw = pd.read_csv(data_path)
    low, high = instrument.scale.min, instrument.scale.max
    ours = built.data.reset_index(drop=True)
    answered = raw["ar4"].notna()
    assert answered.sum() > 100
    assert (ours.loc[answered, "ar4"] == low + high - raw.loc[answered, "ar4"]).all()
    assert (ours["ar1"].fillna(-1) == raw["ar1"].fillna(-1)).all()


@pytest.mark.parametrize("command", [["modindices"], ["invariance", "--group", "x"],
                                     ["impute"], ["predict"], ["reliability"]])
def test_a_spec_without_data_is_a_one_line_error(command: list[str]) -> None:
    result = CliRunner().invoke(app, [command[0], str(LAV), *command[1:]])
    assert result.exit_code != 0
    assert isinstance(result.exception, SpecError)
    assert str(result.exception) == (f"{LAV}: no data; add 'data: FILE' to the spec or pass "
                                     "--data FILE.")


def test_data_replaces_the_specs(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    with pytest.raises(ResponseDataError, match=r"none\.csv: no such data file"):
        read_spec_data(load_spec(SPEC), missing)
