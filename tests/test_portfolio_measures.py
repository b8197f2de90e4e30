"""Portfolio measures per firm and window on a list small enough to check by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from semwb.errors import OptionError, ResponseDataError
from semwb.portfolio.measures import describe_measures, portfolio_measures
from semwb.portfolio.reader import Partners, read_partners, read_ties
from semwb.year_windows import Window, parse_windows

LIST = """firm_id,partner_id,partner_type,industry,start_year,end_year,ipc,firm_ipc
F1,P1,university,education,2015,2019,G06F;H04L,H04L
F1,P2,supplier,semiconductors,2018,,H01L,H04L
F1,P3,customer,software,2019,2021,G06F,H04L
F1,P1,university,education,2019,,G06F;H04L,H04L
F1,P4,supplier,manufacturing,2010,2016,H01L,H04L
F2,P1,university,education,2010,2012,G06F,H04W
"""


@pytest.fixture
def partners(tmp_path: Path) -> Partners:
    path = tmp_path / "partners.csv"
    path.write_text(LIST, encoding="utf-8")
    return read_partners(path)


def row(frame: pd.DataFrame, firm: str, window: str) -> pd.Series:
    return frame[(frame["firm_id"] == firm) & (frame["window"] == window)].iloc[0]


def test_window_2018_2020_by_hand(partners: Partners, tmp_path: Path) -> None:
    """F1 in 2018-2020: alliances in rows 2-5 are active (row 6 ended 2016); partners P1, P2, P3.

    Types u, s, c: Blau 2/3, entropy ln 3, normalised by ln 3 (three types in the list) = 1.
    P1 has two alliances by 2020: repeat share 1/3. Partner IPC counts G06F 2, H01L 1, H04L 1
    against the firm's H04L: Jaffe distance 1 - 1/sqrt(6). Tie P1-P2: density 1/3, effective
    size 3 - 2/3, constraint 11/18 (tests/test_portfolio_network.py).
    """
    (tmp_path / "ties.csv").write_text("partner_a,partner_b\nP1,P2\nP2,P9\n", encoding="utf-8")
    measures = portfolio_measures(partners, by=["partner_type", "industry"],
                                  windows=parse_windows("2018-2020"),
                                  ties=read_ties(tmp_path / "ties.csv"))
    f1 = row(measures, "F1", "2018-2020")
    assert (f1["n_partners"], f1["n_alliances"]) == (3, 4)
    assert f1["repeat_share"] == pytest.approx(1 / 3)
    assert f1["partner_type_blau"] == pytest.approx(2 / 3)
    assert f1["partner_type_entropy"] == pytest.approx(math.log(3))
    assert f1["partner_type_entropy_norm"] == pytest.approx(1.0)
    # industries education, semiconductors, software (manufacturing too in the list): ln 3 / ln 4
    assert f1["industry_entropy_norm"] == pytest.approx(math.log(3) / math.log(4))
    assert f1["ipc_entropy"] == pytest.approx(-(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)))
    # partners' classes in the list: G06F, H01L, H04L (H04W is only a firm's own class)
    assert f1["ipc_entropy_norm"] == pytest.approx(f1["ipc_entropy"] / math.log(3))
    assert f1["jaffe_distance"] == pytest.approx(1 - 1 / math.sqrt(6))
    # partner profiles (G06F, H01L, H04L): P1 (1,0,1), P2 (0,1,0), P3 (1,0,0)
    # distances: P1-P2 1, P1-P3 1 - 1/sqrt 2, P2-P3 1
    assert f1["knowledge_heterogeneity"] == pytest.approx((3 - 1 / math.sqrt(2)) / 3)
    assert f1["density"] == pytest.approx(1 / 3)
    assert f1["effective_size"] == pytest.approx(7 / 3)
    assert f1["efficiency"] == pytest.approx(7 / 9)
    assert f1["constraint"] == pytest.approx(11 / 18)
    f2 = row(measures, "F2", "2018-2020")
    assert f2["n_partners"] == 0
    assert math.isnan(f2["partner_type_blau"])
    assert math.isnan(f2["constraint"])


def test_several_windows_and_the_whole_list(partners: Partners) -> None:
    measures = portfolio_measures(partners, windows=parse_windows("2010,2015-2016"))
    assert row(measures, "F2", "2010")["n_partners"] == 1
    assert row(measures, "F1", "2010")["n_partners"] == 1          # P4 from 2010
    early = row(measures, "F1", "2015-2016")                        # P1 (2015) and P4
    assert early["n_partners"] == 2
    assert early["partner_type_blau"] == pytest.approx(0.5)
    assert early["repeat_share"] == 0.0                             # P1's second alliance: 2019
    whole = portfolio_measures(partners)
    assert set(whole["window"]) == {"all"}
    assert row(whole, "F1", "all")["n_partners"] == 4
    assert row(whole, "F1", "all")["repeat_share"] == pytest.approx(1 / 4)
    assert "density" not in whole.columns                           # no ties, no network


def test_ties_of_one_firm_stay_in_its_network(partners: Partners, tmp_path: Path) -> None:
    (tmp_path / "ties.csv").write_text("firm_id,partner_a,partner_b\nF2,P1,P2\n",
                                       encoding="utf-8")
    measures = portfolio_measures(partners, windows=parse_windows("2018-2020"),
                                  ties=read_ties(tmp_path / "ties.csv"))
    assert row(measures, "F1", "2018-2020")["density"] == 0.0


@pytest.mark.parametrize(("text", "expected"), [
    ("2018-2020", [Window(2018, 2020)]),
    (" 2018 - 2020 , 2021", [Window(2018, 2020), Window(2021, 2021)]),
    ("", [Window()]),
])
def test_parse_windows(text: str, expected: list[Window]) -> None:
    assert parse_windows(text) == expected


@pytest.mark.parametrize("text", ["2020-2018", "18-20", "2018-2020-2022", "last year"])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(OptionError, match="is not a window; write FIRST-LAST years"):
        parse_windows(text)


def test_unknown_by_column_lists_the_choices(partners: Partners) -> None:
    with pytest.raises(OptionError, match=r"--by: size is not a column of partners\.csv; its "
                                          r"categorical columns are partner_type, industry"):
        portfolio_measures(partners, by=["size"])


def test_windows_need_start_years(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("firm_id,partner_id,partner_type\nF1,P1,a\n", encoding="utf-8")
    partners = read_partners(tmp_path / "p.csv")
    with pytest.raises(OptionError, match="--window needs the alliances' start years"):
        portfolio_measures(partners, windows=parse_windows("2019"))
    assert portfolio_measures(partners)["partner_type_blau"].tolist() == [0.0]


def test_windows_refuse_alliances_without_a_start_year(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("firm_id,partner_id,开始年份\nF1,P1,2019\nF1,P2,\nF1,P3,\n",
                                    encoding="utf-8")
    partners = read_partners(tmp_path / "p.csv")
    with pytest.raises(ResponseDataError, match=r"p\.csv, row 3, column 开始年份: empty; 2 "
                                                r"alliance\(s\) without a start year"):
        portfolio_measures(partners, by=[], windows=parse_windows("2019"))
    assert portfolio_measures(partners, by=[])["n_partners"].tolist() == [3]


def test_an_empty_category_is_named(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("firm_id,partner_id,伙伴类型\nF1,P1,a\nF1,P2,\n",
                                    encoding="utf-8")
    with pytest.raises(ResponseDataError, match=r"p\.csv, row 3, column 伙伴类型: empty"):
        portfolio_measures(read_partners(tmp_path / "p.csv"))


def test_describe_measures(partners: Partners) -> None:
    table = describe_measures(portfolio_measures(partners, windows=parse_windows("2010,2019")))
    assert list(table.columns) == ["window", "measure", "n", "mean", "sd", "min", "max"]
    assert table["window"].tolist()[:2] == ["2010", "2010"]
    size = table[(table["window"] == "2019") & (table["measure"] == "n_partners")].iloc[0]
    assert (size["n"], size["mean"], size["min"], size["max"]) == (2, 1.5, 0, 3)


def test_a_window_given_twice_is_refused() -> None:
    with pytest.raises(OptionError, match="--window: 2018-2020 is given twice"):
        parse_windows("2018-2020,2019,2018-2020")


def test_a_firm_with_one_partner_has_the_documented_values(tmp_path: Path) -> None:
    """One partner: no diversity (0), no pair for density or heterogeneity (NaN); its only
    contact is non-redundant (effective size 1, efficiency 1) and takes all of the firm's
    attention (constraint 1), as docs/portfolio.md states."""
    (tmp_path / "p.csv").write_text("firm_id,partner_id,partner_type,ipc,firm_ipc\n"
                                    "F1,P1,university,G06F,H04L\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("partner_a,partner_b\nP1,P2\n", encoding="utf-8")
    one = portfolio_measures(read_partners(tmp_path / "p.csv"),
                             ties=read_ties(tmp_path / "t.csv")).iloc[0]
    assert (one["n_partners"], one["partner_type_blau"], one["partner_type_entropy"]) == (1, 0, 0)
    assert math.isnan(one["partner_type_entropy_norm"])     # one type in the list: ln 1 = 0
    assert math.isnan(one["density"])
    assert math.isnan(one["knowledge_heterogeneity"])
    assert (one["effective_size"], one["efficiency"], one["constraint"]) == (1, 1, 1)
    assert one["jaffe_distance"] == 1.0                       # G06F against H04L


def test_borgattis_example_as_a_partner_list(tmp_path: Path) -> None:
    """Borgatti (1997)'s graph as two firms' portfolios, through the files a user writes.

    Ego G's alters A-F carry 4 ties: effective size 6 - 8/6 = 4.67 and efficiency 0.78 as
    Borgatti gives them; constraint 0.400 as UCINET and networkx give it (G's ego network is the
    whole graph). Ego A's alters B, E, F, G carry 3 ties: effective size 4 - 6/4 = 2.50. A's
    constraint inside its ego network is by hand (p = 1/4 each; G's ties there: A, B, E, F):
    3 x (1/4 + 1/4 x 1/4)^2 + (1/4 + 3 x 1/4 x 1/2)^2 = 175/256, not the whole-graph 0.595.
    """
    edges = [("A", "B"), ("A", "F"), ("A", "G"), ("A", "E"), ("E", "G"), ("F", "G"),
             ("B", "G"), ("B", "D"), ("D", "G"), ("G", "C")]
    alters = {"G": "ABCDEF", "A": "BEFG"}
    (tmp_path / "p.csv").write_text("企业编号,伙伴编号\n" + "".join(
        f"{ego},{alter}\n" for ego, names in alters.items() for alter in names),
        encoding="utf-8")
    (tmp_path / "t.csv").write_text("伙伴A,伙伴B\n" + "".join(f"{a},{b}\n" for a, b in edges),
                                    encoding="utf-8")
    measures = portfolio_measures(read_partners(tmp_path / "p.csv"), by=[],
                                  ties=read_ties(tmp_path / "t.csv")).set_index("firm_id")
    assert measures.loc["G", "effective_size"] == pytest.approx(4.67, abs=5e-3)
    assert measures.loc["G", "efficiency"] == pytest.approx(0.78, abs=5e-3)
    assert measures.loc["G", "effective_size"] == pytest.approx(6 - 8 / 6, abs=1e-12)
    assert measures.loc["G", "constraint"] == pytest.approx(0.400, abs=5e-4)
    assert measures.loc["G", "density"] == pytest.approx(4 / 15)
    assert measures.loc["A", "effective_size"] == pytest.approx(2.50, abs=1e-12)
    assert measures.loc["A", "efficiency"] == pytest.approx(2.5 / 4, abs=1e-12)
    assert measures.loc["A", "constraint"] == pytest.approx(175 / 256, abs=1e-12)
    assert measures.loc["A", "density"] == pytest.approx(3 / 6)


def test_window_edges_are_inclusive(tmp_path: Path) -> None:
    """Active in 2018-2020: ended in 2018 (yes), ended in 2017 (no), started in 2020 (yes),
    started in 2021 (no), still running since 2000 (yes)."""
    (tmp_path / "p.csv").write_text(
        "firm_id,partner_id,start_year,end_year\nF1,P1,2015,2018\nF1,P2,2015,2017\n"
        "F1,P3,2020,\nF1,P4,2021,\nF1,P5,2000,\n", encoding="utf-8")
    measures = portfolio_measures(read_partners(tmp_path / "p.csv"), by=[],
                                  windows=parse_windows("2018-2020"))
    assert measures.loc[0, "n_partners"] == 3


def test_repeated_partnerships_need_start_years(tmp_path: Path) -> None:
    """Without start years a firm-partner pair can be listed once only (a second row is the
    same alliance), so a repeat share would be 0 by construction: it is left out instead."""
    (tmp_path / "p.csv").write_text("firm_id,partner_id\nF1,P1\nF1,P2\n", encoding="utf-8")
    measures = portfolio_measures(read_partners(tmp_path / "p.csv"), by=[])
    assert list(measures.columns) == ["firm_id", "window", "n_partners", "n_alliances"]
