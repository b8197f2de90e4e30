"""Joining measures to survey data: every survey row kept, every unmatched firm named."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from semwb.errors import OptionError, ResponseDataError
from semwb.portfolio.join import firm_key, join_measures


def measures(firms: list[object], window: str = "2018-2020") -> pd.DataFrame:
    return pd.DataFrame({"firm_id": firms, "window": window,
                         "partner_type_blau": [0.1 * (i + 1) for i in range(len(firms))]})


def survey() -> pd.DataFrame:
    ids = ["F1", "F2", " F3", "F4", "7", "F5"]
    return pd.DataFrame({"rid": ids, "x": range(len(ids))},
                        index=pd.Index(range(2, 2 + len(ids)), name="row"))


def test_every_unmatched_firm_is_named_and_no_row_dropped() -> None:
    extra = [f"Z{k:02d}" for k in range(25)]
    joined = join_measures(survey(), measures(["F1", "F3", 7.0, *extra]), firm_id="rid")
    assert list(joined.data.index) == [2, 3, 4, 5, 6, 7]       # rows and order kept
    assert joined.data.loc[2, "partner_type_blau"] == pytest.approx(0.1)
    assert joined.data.loc[4, "partner_type_blau"] == pytest.approx(0.2)   # " F3"
    assert joined.data.loc[6, "partner_type_blau"] == pytest.approx(0.3)   # "7" and 7.0
    assert math.isnan(joined.data.loc[3, "partner_type_blau"])
    assert joined.missing_measures == ["F2", "F4", "F5"]
    assert joined.missing_responses == extra
    assert joined.warnings[0] == ("3 firm(s) of the survey are not in the partner list (rows "
                                  "kept, measures missing): F2, F4, F5")
    assert joined.warnings[1].startswith("25 firm(s) of the partner list are not in the survey: "
                                         "Z00, Z01,")
    assert joined.warnings[1].endswith("Z19 and 5 more")


def test_a_row_without_a_firm_id_is_named_by_its_row() -> None:
    data = survey().assign(rid=["F1", "F2", "", "F4", "7", None])
    joined = join_measures(data, measures(["F1", "F2", "F4", "7"]), firm_id="rid")
    assert joined.missing_measures == ["row 4 (no firm id)", "row 7 (no firm id)"]


def test_a_complete_match_has_no_warnings() -> None:
    joined = join_measures(survey(), measures(["F1", "F2", "F3", "F4", "7", "F5"]),
                           firm_id="rid")
    assert joined.warnings == joined.missing_measures == joined.missing_responses == []
    assert joined.data["partner_type_blau"].notna().all()


def test_firm_key() -> None:
    assert [firm_key(v) for v in (12, 12.0, " 12 ", "R0001", float("nan"), None)] == \
        ["12", "12", "12", "R0001", "", ""]


def test_windows_must_be_chosen_when_several() -> None:
    both = pd.concat([measures(["F1"]), measures(["F1"], window="2021-2023")])
    with pytest.raises(OptionError, match=r"2 windows \(2018-2020, 2021-2023\); choose one"):
        join_measures(survey(), both, firm_id="rid")
    joined = join_measures(survey(), both, firm_id="rid", window="2021-2023")
    assert "window" not in joined.data.columns
    with pytest.raises(OptionError, match="No measures for window '2019'"):
        join_measures(survey(), both, firm_id="rid", window="2019")


@pytest.mark.parametrize(("data", "message"), [
    (survey().drop(columns="rid"), "The survey data have no column 'rid'"),
    (survey().assign(rid=["F1", "F2", "F1", "F4", "7", "F5"]), "Firm id 'F1' of column rid is in "
                                                                "rows 2, 4"),
    (survey().assign(partner_type_blau=1.0), "already have column"),
])
def test_join_problems_are_named(data: pd.DataFrame, message: str) -> None:
    with pytest.raises(ResponseDataError, match=message):
        join_measures(data, measures(["F1"]), firm_id="rid")


def test_no_firm_in_common_is_an_error_showing_both_kinds_of_id() -> None:
    with pytest.raises(ResponseDataError, match=r"None of the 6 firm ids in column rid of the "
                                                r"survey \(e\.g\. 7, F1, F2\) is in the partner "
                                                r"list \(e\.g\. 1, 2\)"):
        join_measures(survey(), measures(["1", "2"]), firm_id="rid")


def test_firms_without_an_active_alliance_are_named() -> None:
    table = measures(["F1", "F2", "F3"]).assign(n_partners=[2, 0, 0])
    table.loc[1:, "partner_type_blau"] = math.nan
    joined = join_measures(survey(), table, firm_id="rid")
    assert joined.no_partners == ["F2", "F3"]
    assert joined.warnings[-1] == ("2 firm(s) of the survey had no alliance active in window "
                                   "2018-2020 (n_partners 0, every other measure empty, so a "
                                   "model using one leaves them out): F2, F3")
    assert joined.data.loc[3, "n_partners"] == 0
    with pytest.raises(ResponseDataError, match="No firm of the survey had an alliance active "
                                                "in window 2018-2020"):
        join_measures(survey(), table.assign(n_partners=0), firm_id="rid")
