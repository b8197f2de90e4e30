"""The example partner list: reproducible, matched to alliance.csv, carrying the inverted U."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from semwb.portfolio.join import JoinedData, join_measures
from semwb.portfolio.measures import portfolio_measures
from semwb.portfolio.reader import read_partners, read_ties
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax
from semwb.survey.instrument import load_instrument
from semwb.survey.scoring import reverse_code
from semwb.year_windows import parse_windows
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

EXAMPLES = REPO / "surveys" / "examples"


@pytest.fixture(scope="module")
def joined() -> JoinedData:
    measures = portfolio_measures(read_partners(EXAMPLES / "partners.csv"),
                                  by=["partner_type", "industry"],
                                  windows=parse_windows("2018-2020"),
                                  ties=read_ties(EXAMPLES / "partner_ties.csv"))
    data = reverse_code(pd.read_csv(EXAMPLE_DATA), load_instrument(SEED_INSTRUMENT))
    return join_measures(data, measures, firm_id="rid")


def test_the_script_reproduces_the_files(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLES / "make_partners.py"), str(tmp_path)],
                          capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "(seed 20261201)" in done.stdout
    for name in ("partners.csv", "partner_ties.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_the_list_matches_the_survey_firms_and_names_the_rest(joined: JoinedData) -> None:
    assert len(joined.data) == 320
    assert len(joined.missing_measures) == 4
    assert joined.missing_responses == ["X001", "X002", "X003"]
    for firm in joined.missing_measures:
        assert firm in joined.warnings[0]
    assert joined.data["partner_type_blau"].notna().sum() == 316


def test_partner_type_diversity_tracks_the_surveys_pdiv(joined: JoinedData) -> None:
    """The list was drawn so that its Blau index is about 0.8 x pdiv."""
    both = joined.data[["pdiv", "partner_type_blau"]].dropna()
    assert both.corr().iloc[0, 1] > 0.95
    assert (both["partner_type_blau"] - 0.8 * both["pdiv"]).abs().mean() < 0.05


def test_the_inverted_u_fits_from_the_partner_list(joined: JoinedData) -> None:
    data = joined.data.assign(PD=joined.data["partner_type_blau"],
                              PD_sq=joined.data["partner_type_blau"] ** 2)
    low, high = data["PD"].min(), data["PD"].max()
    syntax = f"""
BRI  =~ bri1 + bri2 + bri3
TURB =~ turb1 + turb2 + turb3 + turb4
BRI ~ b1*PD + b2*PD_sq + TURB + age + rdint
turning_point := -b1/(2*b2)
slope_low  := b1 + 2*b2*{low:.6f}
slope_high := b1 + 2*b2*{high:.6f}
"""
    fit = fit_model(spec_from_syntax(syntax, name="pd-from-partners"), data)
    assert fit.converged
    complete = data[list(fit.observed)].dropna()   # listwise: the 316 with a partner list,
    assert fit.n_obs == len(complete) > 300         # less those with a missing answer
    defined = fit.parameters[fit.parameters["op"] == ":="].set_index("lhs")
    assert low < defined.loc["turning_point", "est"] < high
    assert defined.loc["slope_low", "est"] > 0
    assert defined.loc["slope_low", "pvalue"] < 0.05
    assert defined.loc["slope_high", "est"] < 0
