"""Response import on real-shaped files built here: every format, platform, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semwb.errors import ResponseDataError
from semwb.survey.instrument import load_instrument
from semwb.survey.responses import read_responses
from semwb.survey.tables import excel_safe
from survey_helpers import EXAMPLE_DATA, ITEMS, SEED_INSTRUMENT, small_instrument, small_responses


def _same_answers(read: pd.DataFrame, raw: pd.DataFrame) -> None:
    np.testing.assert_array_equal(read[ITEMS].to_numpy(float), raw[ITEMS].to_numpy(float))


def test_plain_csv(tmp_path: Path) -> None:
    raw = small_responses()
    path = tmp_path / "plain.csv"
    raw.to_csv(path, index=False)
    got = read_responses(path, small_instrument())
    _same_answers(got.data, raw)
    assert (got.id_column, got.duration_column, got.platform) == ("rid", "duration", "generic")
    assert list(got.data.index[:2]) == [2, 3]  # file rows: the header is row 1


def test_semicolon_decimal_comma_bom_and_quotes(tmp_path: Path) -> None:
    raw = small_responses()
    raw["note"] = "said \"fine\"; really"
    raw["duration"] = raw["duration"] + 0.5
    text = raw.to_csv(index=False, sep=";", decimal=",")
    path = tmp_path / "european.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    got = read_responses(path, small_instrument())
    _same_answers(got.data, raw)
    np.testing.assert_allclose(got.data["duration"], raw["duration"])


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_chinese_headers_in_every_common_encoding(tmp_path: Path, encoding: str) -> None:
    inst = small_instrument()
    raw = small_responses()
    renamed = raw.rename(columns={i: inst.text(i, "zh") for i in [*ITEMS, "att1"]})
    renamed = renamed.rename(columns={"rid": "编号"})
    path = tmp_path / f"zh_{encoding}.csv"
    path.write_bytes(renamed.to_csv(index=False).encode(encoding))
    got = read_responses(path, inst)
    _same_answers(got.data, raw)
    assert got.mapped_by == "item text"
    assert got.id_column == "编号"


def test_xlsx_named_sheet_and_missing_sheet(tmp_path: Path) -> None:
    raw = small_responses()
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"readme": ["exported 2026-11-01"]}).to_excel(writer, sheet_name="Info")
        raw.to_excel(writer, sheet_name="Data", index=False)
    _same_answers(read_responses(path, small_instrument(), sheet="Data").data, raw)
    with pytest.raises(ResponseDataError, match=r"no sheet named 'Answers'; the workbook has "
                                                 r"'Info', 'Data'"):
        read_responses(path, small_instrument(), sheet="Answers")


def test_spss_sav_with_value_labels(tmp_path: Path) -> None:
    raw = small_responses()
    labels = {1.0: "Strongly disagree", 5.0: "Strongly agree"}
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(raw.astype(dict.fromkeys(ITEMS, float)), str(path),
                         variable_value_labels=dict.fromkeys(ITEMS, labels))
    got = read_responses(path, small_instrument())
    _same_answers(got.data, raw)
    assert got.value_labels["tr1"] == labels


def test_stata_dta(tmp_path: Path) -> None:
    raw = small_responses()
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(raw, str(path))
    _same_answers(read_responses(path, small_instrument()).data, raw)


def test_qualtrics_three_header_rows(tmp_path: Path) -> None:
    inst = small_instrument()
    raw = small_responses()
    qids = {item: f"Q{k}_{k}" for k, item in enumerate([*ITEMS, "att1"], start=1)}
    header = ["StartDate", "Duration (in seconds)", "Finished", "ResponseId", *qids.values()]
    texts = ["Start Date", "Duration (in seconds)", "Finished", "Response ID",
             *(f"How far do you agree? - {inst.text(i)}" for i in qids)]
    imports = ['{"ImportId":"startDate"}', '{"ImportId":"duration"}', '{"ImportId":"finished"}',
               '{"ImportId":"_recordId"}', *(json.dumps({"ImportId": q}) for q in qids.values())]
    body = pd.DataFrame({"StartDate": "2026-11-01 10:00:00", "Duration (in seconds)":
                         raw["duration"], "Finished": "True", "ResponseId": "R_" + raw["rid"]})
    for item, qid in qids.items():
        body[qid] = raw[item]
    path = tmp_path / "qualtrics.csv"
    lines = pd.DataFrame([texts, imports], columns=header)
    pd.concat([lines, body]).to_csv(path, index=False)
    got = read_responses(path, inst)
    assert got.platform == "qualtrics"
    assert (got.id_column, got.duration_column) == ("ResponseId", "Duration (in seconds)")
    _same_answers(got.data, raw)
    assert got.data.index[0] == 4  # rows 2 and 3 are Qualtrics' extra header rows


def _wenjuanxing(frame: pd.DataFrame, inst_text: dict[str, str]) -> pd.DataFrame:
    meta = pd.DataFrame({
        "序号": np.arange(1, len(frame) + 1),
        "提交答卷时间": "2026/11/1 10:00:00",
        "所用时间": [f"{s}秒" for s in frame["duration_sec"]],
        "来源": "手机提交", "来源详情": "直接访问", "来源IP": "10.0.0.1(北京-北京)"})
    questions = frame[list(inst_text)].rename(
        columns={item: f"{k}、{text}" for k, (item, text) in enumerate(inst_text.items(), 1)})
    return pd.concat([meta, questions], axis=1)


def test_wenjuanxing_xlsx_with_chinese_question_headers(tmp_path: Path) -> None:
    inst = load_instrument(SEED_INSTRUMENT)
    example = pd.read_csv(EXAMPLE_DATA)
    items = [it.id for it in inst.all_items]
    export = _wenjuanxing(example, {i: inst.text(i, "zh") for i in items})
    path = tmp_path / "问卷星.xlsx"
    export.to_excel(path, index=False)
    got = read_responses(path, inst)
    assert (got.platform, got.mapped_by) == ("wenjuanxing", "item text")
    assert (got.id_column, got.duration_column) == ("序号", "所用时间")
    np.testing.assert_array_equal(got.data["所用时间"].to_numpy(), example["duration_sec"])
    pd.testing.assert_frame_equal(got.data[items].reset_index(drop=True),
                                  example[items].astype(float), check_dtype=False)


def test_wenjuanxing_numbered_headers_map_by_order(tmp_path: Path) -> None:
    inst = small_instrument()
    raw = small_responses().rename(columns={"duration": "duration_sec"})
    order = [it.id for it in inst.all_items]
    export = _wenjuanxing(raw, dict.fromkeys(order, ""))
    export.columns = [c.rstrip("、") if c[0].isdigit() else c for c in export.columns]
    path = tmp_path / "wjx.csv"
    path.write_bytes(export.to_csv(index=False).encode("gb18030"))
    got = read_responses(path, inst)
    assert got.mapped_by == "questionnaire order"
    _same_answers(got.data, raw)


def test_mapping_file(tmp_path: Path) -> None:
    raw = small_responses()
    path = tmp_path / "renamed.csv"
    raw.rename(columns={i: f"V{k}" for k, i in enumerate(ITEMS)}).to_csv(path, index=False)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("\n".join(f"V{k}: {i}" for k, i in enumerate(ITEMS)), encoding="utf-8")
    got = read_responses(path, small_instrument(), mapping=mapping)
    assert got.mapped_by == "mapping file"
    _same_answers(got.data, raw)
    mapping.write_text("V0: tr9\nV9: tr1\n", encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"(?s)column 'V9', which is not in the file.*"
                                                r"'tr9', which is not an item"):
        read_responses(path, small_instrument(), mapping=mapping)


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


def _with(column: str, row: int, value: object) -> pd.DataFrame:
    frame = small_responses().astype({column: object})
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(("frame", "pattern"), [
    (_with("tr2", 4, "agree"), r"bad.csv, row 6, column tr2: 'agree' is not a number"),
    (_with("ks1", 0, 8), r"bad.csv, row 2, column ks1: '8' is outside the instrument's scale 1-5"),
    (_with("ks1", 0, 2.5), r"row 2, column ks1: '2.5' is outside .* or not a whole number"),
    (_with("rid", 3, "r1"), r"respondent id 'r1' appears in rows 2, 5; remove the repeated"),
    (small_responses().drop(columns=["ks2"]),
     r"construct KS is missing item column\(s\) ks2"),
    (small_responses().rename(columns={i: f"x{i}" for i in [*ITEMS, "att1"]}),
     r"no column matches an item of instrument small"),
    (small_responses().head(0), r"bad.csv: the file has a header but no responses"),
])
def test_bad_values_are_named_by_row_and_column(tmp_path: Path, frame: pd.DataFrame,
                                                pattern: str) -> None:
    with pytest.raises(ResponseDataError, match=pattern):
        read_responses(_write(tmp_path, frame), small_instrument())


def test_many_bad_cells_are_counted_and_the_first_listed(tmp_path: Path) -> None:
    frame = small_responses()
    frame["tr1"] = 9
    with pytest.raises(ResponseDataError) as caught:
        read_responses(_write(tmp_path, frame), small_instrument())
    message = str(caught.value)
    assert message.startswith("bad.csv has 60 bad value(s):")
    assert "... and 50 more" in message


def test_duplicate_columns_empty_file_and_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "dupe.csv"
    path.write_text("rid,tr1,tr1,tr2\nr1,1,2,3\n", encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"dupe.csv, row 1: duplicate column names "
                                                r"'tr1' \(2 times\)"):
        read_responses(path, small_instrument())
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"empty.csv: the file is empty"):
        read_responses(empty, small_instrument())
    other = tmp_path / "data.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"unknown file type '.json'"):
        read_responses(other, small_instrument())


def test_missing_answers_and_codes_are_warnings_with_counts(tmp_path: Path) -> None:
    frame = small_responses().astype({"tr1": object, "ks3": object})
    frame.loc[0, "tr1"] = ""
    frame.loc[1, "ks3"] = "-99"
    path = _write(tmp_path, frame)
    with pytest.raises(ResponseDataError, match=r"'-99' is outside"):
        read_responses(path, small_instrument())
    got = read_responses(path, small_instrument(), missing_codes=("-99",))
    assert got.warnings == ["bad.csv: 2 missing answer(s) in 2 of 60 respondents"]
    assert got.data["tr1"].isna().sum() == 1


def test_excel_safe_neutralises_formulas_but_not_numbers() -> None:
    frame = pd.DataFrame({"=cmd": ["=1+1", "+A1", "-2", "@SUM(A1)", "plain", "\tx"],
                          "n": [-1, 2, 3, 4, 5, 6]})
    safe = excel_safe(frame)
    assert list(safe.columns) == ["'=cmd", "n"]
    assert safe.iloc[:, 0].tolist() == ["'=1+1", "'+A1", "'-2", "'@SUM(A1)", "plain", "'\tx"]
    assert safe["n"].tolist() == [-1, 2, 3, 4, 5, 6]


def test_other_columns_are_kept_and_bad_durations_counted(tmp_path: Path) -> None:
    raw = small_responses().astype({"duration": object})
    raw["region"] = ["east", "west"] * 30
    raw["x_sq"] = np.arange(60) ** 2
    raw.loc[3, "duration"] = "n/a?"
    got = read_responses(_write(tmp_path, raw), small_instrument())
    assert got.data["region"].tolist() == raw["region"].tolist()
    assert got.data["x_sq"].dtype == float
    assert "bad.csv: 1 value(s) of duration are not numbers (e.g. row 5: 'n/a?'); the too-fast " \
           "check skips those respondents" in got.warnings
    assert np.isnan(got.data.loc[5, "duration"])


def test_wenjuanxing_q_numbered_text_headers(tmp_path: Path) -> None:
    inst = small_instrument()
    raw = small_responses().rename(columns={"duration": "duration_sec"})
    export = _wenjuanxing(raw, {it.id: inst.text(it.id, "zh") for it in inst.all_items})
    export.columns = ["Q" + c.replace("、", ".") if c[0].isdigit() else c
                      for c in export.columns]
    assert "Q1.伙伴信守诺言。" in export.columns
    path = tmp_path / "wjx.csv"
    export.to_csv(path, index=False)
    got = read_responses(path, inst)
    assert got.mapped_by == "item text"
    _same_answers(got.data, raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_excel_safe_leaves_no_formula_and_keeps_the_text(cells: list[str]) -> None:
    safe = excel_safe(pd.DataFrame({"text": cells}))["text"].tolist()
    for before, after in zip(cells, safe, strict=True):
        assert not after.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert after in (before, "'" + before)
