"""Reading partner lists and tie files: headers in English or Chinese, every bad cell named."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from semwb.errors import ResponseDataError
from semwb.portfolio.reader import check_ties, read_partners, read_ties

CHINESE = """企业编号,伙伴编号,伙伴类型,行业,国家/地区,开始年份,结束年份,IPC分类号,企业IPC,治理方式
F1,P1,高校,教育,中国,2015,2019,G06F;H04L,H04L,股权
F1,P2,供应商,半导体,中国,2018,,H01L 21/02,H04L,契约
F2,P1,高校,教育,中国,2010,2012,g06f,G06F,股权
"""


def write(tmp_path: Path, text: str, name: str = "partners.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    partners = read_partners(write(tmp_path, CHINESE, encoding=encoding))
    data = partners.data
    assert list(data.columns) == ["firm_id", "partner_id", "partner_type", "industry", "country",
                                  "start_year", "end_year", "ipc", "firm_ipc", "治理方式"]
    assert list(data.index) == [2, 3, 4]   # the file's rows, header = row 1
    assert data.loc[3, "ipc"] == ("H01L",)              # a group kept at subclass level
    assert data.loc[4, "ipc"] == ("G06F",)              # upper-cased
    assert data.loc[2, "ipc"] == ("G06F", "H04L")
    assert math.isnan(data.loc[3, "end_year"])          # still running
    assert partners.mapping["国家/地区"] == "country"
    assert partners.attributes == ["partner_type", "industry", "country", "治理方式"]


def test_xlsx_and_a_mapping_for_unrecognised_headers(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    pd.DataFrame({"company": ["F1", "F1"], "ally": ["P1", "P2"], "kind": ["a", "b"],
                  "since": [2019, 2020]}).to_excel(path, index=False)
    partners = read_partners(path, mapping={"company": "firm_id", "ally": "partner_id",
                                            "kind": "partner_type", "since": "start_year"})
    assert partners.data["start_year"].tolist() == [2019.0, 2020.0]
    assert partners.data["partner_type"].tolist() == ["a", "b"]
    assert list(partners.data.index) == [2, 3]


def test_a_mapping_file(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text("公司: firm_id\n盟友: partner_id\n", encoding="utf-8")
    partners = read_partners(write(tmp_path, "公司,盟友,类别\nF1,P1,a\n"),
                             mapping=tmp_path / "map.yaml")
    assert partners.mapping == {"公司": "firm_id", "盟友": "partner_id"}
    assert partners.attributes == ["类别"]


def test_missing_id_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(ResponseDataError, match=r"no column for partner_id \(headers: firm_id, "
                                                r"kind\)"):
        read_partners(write(tmp_path, "firm_id,kind\nF1,a\n"))


def test_a_bad_mapping_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\nF1,P1\n")
    with pytest.raises(ResponseDataError) as caught:
        read_partners(path, mapping={"a": "firm_id", "b": "partnr", "c": "partner_id"})
    message = str(caught.value)
    assert "sends column 'b' to 'partnr', which is not one of firm_id, partner_id" in message
    assert "names column 'c', which is not in the file" in message


def test_every_bad_row_is_named_with_its_column(tmp_path: Path) -> None:
    text = """firm_id,partner_id,partner_type,start_year,end_year,ipc
F1,P1,university,2015,2019,G06F
,P2,supplier,2018,,H01L
F1,,supplier,2018,,H01L
F1,P3,customer,20x9,,G06F
F1,P4,customer,2019,2017,G06F
F1,P5,customer,2019,,Z99Q
F1,P1,university,2015,2020,G06F
F2,P6,supplier,1850,,H04W
F2,F2,supplier,2001,,H04W
"""
    with pytest.raises(ResponseDataError) as caught:
        read_partners(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith("partners.csv has 5 problem(s):")
    for expected in (
        "partners.csv, row 3, column firm_id: the firm id is empty",
        "partners.csv, row 4, column partner_id: the partner id is empty",
        "partners.csv, row 5, column start_year: '20x9' is not a year between 1900 and 2100",
        "partners.csv, row 7, column ipc: 'Z99Q' is not an IPC code",
        "partners.csv, row 9, column start_year: '1850' is not a year",
    ):
        assert expected in message
    fixed = text.replace(",P2,", "F1,P2,").replace("F1,,", "F1,P7,").replace("20x9", "2019")
    fixed = fixed.replace("Z99Q", "G06Q").replace("1850", "2001")
    with pytest.raises(ResponseDataError) as caught:
        read_partners(write(tmp_path, fixed))
    message = str(caught.value)
    assert "partners.csv, row 6, column end_year: the alliance ends (2017) before it starts " \
           "(2019)" in message
    assert "partners.csv, rows 2, 8: the same alliance (firm_id, partner_id, start_year) is " \
           "listed more than once" in message
    assert "partners.csv, row 10, column partner_id: firm F2 is listed as its own partner" \
        in message


def test_a_partner_described_two_ways_within_a_firm(tmp_path: Path) -> None:
    text = "firm,partner,type,start\nF1,P1,university,2015\nF1,P1,supplier,2019\n" \
           "F2,P1,supplier,2019\n"
    with pytest.raises(ResponseDataError, match=r"partners\.csv, rows 2, 3, column type: "
                                                r"partner P1 of firm F1 has different values"):
        read_partners(write(tmp_path, text))


def test_the_firm_ipc_must_be_one_profile_per_firm(tmp_path: Path) -> None:
    text = "firm_id,partner_id,firm_ipc\nF1,P1,H04L;G06F\nF1,P2,G06F;H04L\nF2,P1,H04L\nF2,P3,G06F\n"
    with pytest.raises(ResponseDataError, match="rows 4, 5, column firm_ipc: firm F2 has "
                                                "different IPC profiles"):
        read_partners(write(tmp_path, text))


def test_many_problems_are_capped_with_a_count(tmp_path: Path) -> None:
    rows = "".join(f"F1,P{i},abc\n" for i in range(15))
    with pytest.raises(ResponseDataError) as caught:
        read_partners(write(tmp_path, "firm_id,partner_id,start_year\n" + rows))
    message = str(caught.value)
    assert message.startswith("partners.csv has 15 problem(s):")
    assert "row 11, column start_year" in message
    assert "row 12," not in message
    assert "... and 5 more" in message


def test_ties_with_and_without_firm_ids(tmp_path: Path) -> None:
    ties = read_ties(write(tmp_path, "伙伴A,伙伴B\nP1,P2\n", "ties.csv"))
    assert ties.to_dict("list") == {"partner_a": ["P1"], "partner_b": ["P2"]}
    ties = read_ties(write(tmp_path, "firm_id,partner_a,partner_b\nF1,P1,P2\n", "ties.csv"))
    assert ties.loc[2, "firm_id"] == "F1"


def test_bad_ties_are_named(tmp_path: Path) -> None:
    with pytest.raises(ResponseDataError) as caught:
        read_ties(write(tmp_path, "partner_a,partner_b\nP1,P1\nP2,\n", "ties.csv"))
    message = str(caught.value)
    assert "ties.csv, row 2: partner P1 is tied to itself" in message
    assert "ties.csv, row 3, column partner_b: the partner b is empty" in message
    with pytest.raises(ResponseDataError, match="no column for partner_b"):
        read_ties(write(tmp_path, "partner_a,x\nP1,P2\n", "ties.csv"))


def test_an_empty_file_or_a_header_alone_is_named_as_a_partner_list(tmp_path: Path) -> None:
    with pytest.raises(ResponseDataError, match=r"^partners\.csv: the partner list is empty; give "
                                                r"a header row and one row per focal firm x "
                                                r"partner\.$"):
        read_partners(write(tmp_path, ""))
    with pytest.raises(ResponseDataError, match=r"^partners\.csv: the partner list has a header "
                                                r"but no rows"):
        read_partners(write(tmp_path, "firm_id,partner_id\n"))
    with pytest.raises(ResponseDataError, match=r"^ties\.csv: the tie file has a header but no "
                                                r"rows"):
        read_ties(write(tmp_path, "partner_a,partner_b\n", "ties.csv"))


def test_ties_that_join_no_network_are_named(tmp_path: Path) -> None:
    partners = read_partners(write(tmp_path, "firm_id,partner_id\nF1,P1\nF1,P2\nF2,P3\n"))
    ties = read_ties(write(tmp_path, "firm_id,partner_a,partner_b\nF1,P1,P2\nF9,P1,P2\n"
                                     "F2,P3,P1\nF1,P1,P7\n", "ties.csv"))
    assert check_ties(partners, ties, source="ties.csv") == [
        "ties.csv: 1 tie(s) name a firm that is not in partners.csv and join no network (row 3: "
        "F9); check the ids",
        "ties.csv: 2 tie(s) name a partner that is not in partners.csv (for a tie with a firm "
        "id: not among that firm's partners) and are left out (row 4: P1 (firm F2); row 5: P7 "
        "(firm F1)); check the ids",
    ]
    unscoped = read_ties(write(tmp_path, "partner_a,partner_b\nP1,P3\nP2,ZZ\n", "ties.csv"))
    (note,) = check_ties(partners, unscoped)
    assert note.startswith("the tie file: 1 tie(s) name a partner")
    assert "(row 3: ZZ)" in note
    assert check_ties(partners, unscoped.iloc[:1]) == []


def test_a_partner_with_different_ipc_classes_within_a_firm(tmp_path: Path) -> None:
    """The IPC column describes the partner, as its type does: one profile per firm and partner
    (in any order), so that the measures never pick one of two rows unseen."""
    text = ("firm_id,partner_id,start_year,ipc\nF1,P1,2015,H04L;G06F\nF1,P1,2019,G06F;H04L\n"
            "F2,P1,2019,G06F\nF2,P1,2020,G06F;H01L\n")
    with pytest.raises(ResponseDataError, match=r"partners\.csv, rows 4, 5, column ipc: partner "
                                                r"P1 of firm F2 has different values") as caught:
        read_partners(write(tmp_path, text))
    assert "rows 2, 3" not in str(caught.value)


def test_an_xlsx_list_with_chinese_headers_and_sheet(tmp_path: Path) -> None:
    path = tmp_path / "伙伴名单.xlsx"
    frame = pd.DataFrame({"企业编号": ["F1", "F1"], "伙伴编号": ["P1", "P2"],
                          "伙伴类型": ["高校", "供应商"], "开始年份": [2018, "二〇一九"]})
    with pd.ExcelWriter(path) as book:
        frame.to_excel(book, sheet_name="伙伴", index=False)
    with pytest.raises(ResponseDataError, match=r"伙伴名单\.xlsx \[伙伴\], row 3, column 开始年份: "
                                                r"'二〇一九' is not a year"):
        read_partners(path, sheet="伙伴")
    frame["开始年份"] = [2018, 2019]
    with pd.ExcelWriter(path) as book:
        frame.to_excel(book, sheet_name="伙伴", index=False)
    partners = read_partners(path, sheet="伙伴")
    assert partners.data["partner_type"].tolist() == ["高校", "供应商"]
    assert partners.data["start_year"].tolist() == [2018.0, 2019.0]
