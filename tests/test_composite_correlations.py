"""Composite correlations with p values (the descriptives table, issue 15): R's ``cor.test`` of
each pair over pairwise-complete rows, here against scipy's independent ``pearsonr``; and at the
boundary, a ``semwb fit`` whose report stars them beside the composite means."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from semwb.cli import app
from semwb.measurement.correlations import composite_correlations
from semwb.results import read_results

ROOT = Path(__file__).resolve().parents[1]


def test_composite_correlations_match_pearsonr_over_pairwise_complete_rows() -> None:
    rng = np.random.default_rng(3)
    data = rng.normal(size=(60, 3)) @ np.array([[1, 0.4, 0.1], [0, 1, 0.3], [0, 0, 1]])
    data[rng.random(data.shape) < 0.1] = np.nan
    scores = pd.DataFrame(data, columns=["A", "B", "C"])
    r, p = composite_correlations(scores)
    for a in scores:
        assert set(r[a]) == set(scores) - {a}
        for b in r[a]:
            pair = scores[[a, b]].dropna()
            expected = stats.pearsonr(pair[a], pair[b])
            assert r[a][b] == pytest.approx(expected.statistic, abs=1e-12)
            assert p[a][b] == pytest.approx(expected.pvalue, rel=1e-9)
            assert (r[a][b], p[a][b]) == (r[b][a], p[b][a])


@pytest.mark.slow
def test_a_fit_reports_composite_correlations_with_stars(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "h1"
    done = CliRunner().invoke(app, ["fit", "models/routines_learning_ambidexterity.yaml",
                                    "--no-bootstrap", "--lang", "zh", "--out", str(out)])
    assert done.exit_code == 0, done.output
    quality = read_results(out).quality
    data = pd.read_csv(ROOT / "surveys" / "examples" / "alliance.csv")
    data["ar4"] = 8 - data["ar4"]  # reverse-worded on the 1-7 scale
    items = {"AR": ["ar1", "ar2", "ar3", "ar4"], "IOL": [f"iol{i}" for i in range(1, 5)],
             "AI": [f"ai{i}" for i in range(1, 7)]}
    means = pd.DataFrame({c: data[cols].mean(axis=1) for c, cols in items.items()})
    expected = stats.pearsonr(means["IOL"], means["AI"])
    assert quality["composite_correlations"]["IOL"]["AI"] == pytest.approx(expected.statistic)
    assert quality["composite_pvalues"]["AI"]["IOL"] == pytest.approx(expected.pvalue)
    html = (out / "report.zh.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="descriptives">'):]
    section = section[:section.index("</section>")]
    assert "Pearson 相关系数" in section
    assert "潜变量（CFA）相关系数见 Fornell-Larcker 表" in section
    shown = re.sub(r"<[^>]+>", "", section)
    assert f".{round(expected.statistic * 100):02d}***" in re.sub(r"\s+", "", shown)
