"""Instruments kept as spreadsheets: one row per item, validated like the YAML form."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.errors import InstrumentError
from semwb.survey.instrument import load_instrument

ROWS = [
    {"item": "ar1", "construct": "AR", "text_en": "We follow shared procedures.",
     "text_zh": "我们遵循共同的程序。", "reverse": "", "construct_name_en": "Alliance routines",
     "construct_name_zh": "联盟惯例", "source": "Zollo et al. (2002)", "scale_min": 1,
     "scale_max": 5},
    {"item": "ar2", "construct": "AR", "text_en": "Norms guide decisions.", "text_zh": "",
     "reverse": "no"},
    {"item": "ar3", "construct": "AR", "text_en": "We start from scratch.", "text_zh": "",
     "reverse": "yes"},
    {"item": "ks1", "construct": "KS", "text_en": "We share know-how.", "text_zh": "我们分享知识。",
     "reverse": "否"},
    {"item": "ks2", "construct": "KS", "text_en": "We share data.", "text_zh": "", "reverse": "0"},
]


def test_a_spreadsheet_instrument_loads_with_names_sources_scale_and_reverse_items(
        tmp_path: Path) -> None:
    path = tmp_path / "study.xlsx"
    pd.DataFrame(ROWS).to_excel(path, index=False)
    instrument = load_instrument(path)
    assert list(instrument.constructs) == ["AR", "KS"]
    assert instrument.constructs["AR"].item_ids == ["ar1", "ar2", "ar3"]
    assert instrument.reverse_items == ["ar3"]
    assert (instrument.scale.min, instrument.scale.max) == (1, 5)
    assert instrument.text("AR", "zh") == "联盟惯例"
    assert instrument.constructs["AR"].source == "Zollo et al. (2002)"


def test_every_problem_of_a_spreadsheet_is_listed_with_its_row(tmp_path: Path) -> None:
    rows = [*ROWS, {"item": "ar1", "construct": "AR", "text_en": "again"},
            {"item": "tr1", "construct": "TR", "text_en": "Trust.", "reverse": "maybe"}]
    path = tmp_path / "study.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    message = str(err.value)
    assert "study.csv, row 7, column item: 'ar1' already appears in row 2" in message
    assert "study.csv, row 8, column reverse: 'maybe' is not yes or no." in message
    assert "construct 'TR' has 1 item" in message


def test_a_spreadsheet_marks_items_ordinal(tmp_path: Path) -> None:
    table = pd.DataFrame(ROWS)
    table["ordinal"] = ["", "", "", "yes", "yes"]
    path = tmp_path / "study.csv"
    table.to_csv(path, index=False)
    assert load_instrument(path).ordinal_items == ["ks1", "ks2"]
    table.loc[0, "ordinal"] = "often"
    table.to_csv(path, index=False)
    with pytest.raises(InstrumentError, match=r"row 2, column ordinal: 'often' is not yes or no"):
        load_instrument(path)


def test_a_spreadsheet_without_the_needed_columns_says_which(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    pd.DataFrame([{"id": "ar1", "text_en": "x"}]).to_csv(path, index=False)
    with pytest.raises(InstrumentError, match=r"q.csv: an instrument spreadsheet needs the "
                                              r"column\(s\) item, construct"):
        load_instrument(path)
