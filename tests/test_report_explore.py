"""The report section of the exploratory analyses (``_explore.html``), English and Chinese."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.explore.aggregation import agreement
from semwb.explore.efa import run_efa
from semwb.report.environment import get_environment
from semwb.report.explore_context import explore_context

REFERENCE = Path(__file__).parent / "reference"
MI = {"m": 20, "seed": 1, "chisq": {"F": 0.81, "df1": 74.0, "df2": 474.5, "pvalue": 0.87},
      "parameters": [],
      "comparison": [{"lhs": "IOL", "op": "~", "rhs": "AR", "est_mi": 0.5418, "se_mi": 0.0759,
                      "fmi": 0.036, "est_fiml": 0.5446, "se_fiml": 0.0781}]}
PREDICTION = {"folds": 10, "repeats": 10, "seed": 1, "n_obs": 301, "exogenous": ["ar1", "ar2"],
              "indicators": {"iol1": {"q2_predict": 0.174, "rmse": 1.26, "mae": 1.04,
                                      "lm_rmse": 1.261, "model_better": True}}}


@pytest.fixture(scope="module")
def parts() -> dict[str, object]:
    items = pd.read_csv(REFERENCE / "efa_alliance" / "data.csv")
    firms = pd.read_csv(REFERENCE / "aggregation_firms" / "data.csv")
    table = agreement(firms, "firm_id", {"A": ["a1", "a2", "a3"]}, points=5)
    return {"efa": run_efa(items, draws=5, rng=1).to_dict(),
            "agreement": table.reset_index(names="construct").to_dict(orient="records"),
            "mi": MI, "prediction": PREDICTION}


def _render(lang: str, **parts: object) -> str:
    context = explore_context(lang=lang, **parts)  # type: ignore[arg-type]
    return get_environment().get_template("_explore.html").render(explore=context)


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Exploratory factor analysis", "Agreement within firms", "low communality",
            "Multiple imputation beside FIML", "Out-of-sample prediction", "F(74, 474.5)"]),
    ("zh", ["探索性因子分析", "企业内一致性", "共同度偏低", "多重插补与 FIML 对照", "样本外预测"]),
])
def test_every_part_is_shown(parts: dict[str, object], lang: str, words: list[str]) -> None:
    html = _render(lang, **parts)
    for word in words:
        assert word in html
    assert html.count("<tr><th scope=\"row\">") >= 14 + 3 + 1 + 1  # items, phi, agreement, ...
    assert "<strong>.79</strong>" in html  # ar1's loading on its factor, bold


def test_nothing_given_renders_nothing() -> None:
    assert _render("en").strip() == ""


def test_item_names_are_escaped(parts: dict[str, object]) -> None:
    efa = dict(parts["efa"])  # type: ignore[call-overload]
    efa["loadings"] = {"<script>x</script>": efa["loadings"]["ar1"]}
    efa["item_flags"] = {"<script>x</script>": efa["item_flags"]["ar1"]}
    efa["communalities"] = {"<script>x</script>": efa["communalities"]["ar1"]}
    html = _render("en", efa=efa)
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
