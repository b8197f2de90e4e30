"""Probing blocks for results.json and the report section built from them (charts, en/zh)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from conditional_reference import coefficients, data, reference
from semwb.conditional.curvilinear import Curve
from semwb.conditional.summary import probe_curve, probe_moderation
from semwb.report.conditional_context import STRINGS, conditional_section
from semwb.report.environment import get_environment
from semwb.report.i18n import strings

MODERATED = Curve("u", "I(u^2)", intercept="(Intercept)", moderator="w", linear_by="u:w",
                  quadratic_by="I(u^2):w")


def _centered_probe() -> dict[str, Any]:
    """Probe the mean-centered fit, reporting on the data's scale."""
    ref = reference()["two_way_centered"]
    w = data()["w"].to_numpy()
    return probe_moderation(coefficients(ref), focal="x", moderator="w", interaction="x:w",
                            observed=w - ref["w_mean"], center=ref["w_mean"], outcome="y")


def test_centered_model_probed_on_the_data_scale_equals_the_raw_model() -> None:
    probe = _centered_probe()
    raw = reference()["two_way"]
    assert [s["label"] for s in probe["slopes"]] == ["-1 SD", "mean", "+1 SD"]
    for mine, theirs in zip(probe["slopes"], raw["slopes"], strict=True):
        assert mine["value"] == pytest.approx(theirs["w"], rel=1e-12)
        for key in ("est", "se", "pvalue", "ci_lower", "ci_upper"):
            assert mine[key] == pytest.approx(theirs[key], rel=1e-8), key
    np.testing.assert_allclose(probe["jn"]["bounds"], raw["jn"]["roots"], rtol=1e-9)
    assert probe["jn"]["observed"] == pytest.approx([raw["w_min"], raw["w_max"]], rel=1e-12)
    json.dumps(probe)  # plain JSON types only


def test_user_values_are_given_and_shown_on_the_data_scale() -> None:
    ref = reference()["two_way_centered"]
    probe = probe_moderation(coefficients(ref), focal="x", moderator="w", interaction="x:w",
                             observed=data()["w"] - ref["w_mean"], center=ref["w_mean"],
                             rule="values", given=[2.5])
    raw = coefficients(reference()["two_way"])
    slope = raw.est[1] + raw.est[3] * 2.5
    assert probe["slopes"][0]["label"] == "2.5"
    assert probe["slopes"][0]["value"] == pytest.approx(2.5)
    assert probe["slopes"][0]["est"] == pytest.approx(slope, rel=1e-9)


def test_curve_block_at_three_moderator_values() -> None:
    ref = reference()["quadratic_moderated"]
    frame = data()
    block = probe_curve(coefficients(ref), MODERATED, x=frame["u"], w=frame["w"],
                        outcome="yqw", predictor="u", moderator="w")
    assert [b["label"] for b in block["at"]] == ["-1 SD", "mean", "+1 SD"]
    for mine, theirs in zip(block["at"], ref["at"], strict=True):
        assert mine["turning_point"]["est"] == pytest.approx(theirs["turning_point"], rel=1e-10)
        assert mine["shift"]["est"] == pytest.approx(theirs["shift"], rel=1e-10)
        assert mine["u_test"]["low"] == frame["u"].min()
    est = dict(zip(ref["names"], ref["est"], strict=True))
    assert est["I(u^2)"] < 0 < est["I(u^2):w"]  # the simulated curve flattens as w rises
    assert block["curvature_by"]["est"] == est["I(u^2):w"]
    assert block["curvature_by"]["flattens"] is True
    json.dumps(block)


def _section(lang: str) -> dict[str, Any]:
    quad = reference()["quadratic"]
    curve = probe_curve(coefficients(quad), Curve("u", "I(u^2)", intercept="(Intercept)"),
                        x=data()["u"], outcome="<b>yq</b>", predictor="u")
    section = conditional_section({"moderations": [_centered_probe()], "curves": [curve]},
                                  lang)  # type: ignore[arg-type]
    assert section is not None
    return section


def test_section_sentences_in_english() -> None:
    section = _section("en")
    mod = section["moderations"][0]
    assert mod["heading"] == "x × w → y"
    assert "the slope of x is significant for w from 1.21 to 1.97 and from 3.18 to 7.00" in (
        mod["sentence"])
    assert "Johnson-Neyman bounds: 1.970, 3.183." in mod["sentence"]
    text = section["curves"][0]["sentences"][0]
    assert text.startswith("Inverted U supported (Haans, Pieters & He, 2016): ")
    assert "Lind-Mehlum test p < .001" in text
    assert "turning point 5.31 (Fieller 95% CI [5.15, 5.50])" in text


def test_section_sentences_in_chinese_and_every_string_has_both() -> None:
    section = _section("zh")
    assert "倒 U 型关系得到支持" in section["curves"][0]["sentences"][0]
    assert all(en and zh for en, zh in STRINGS.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_partial_renders_escaped_with_inline_charts(lang: str) -> None:
    template = get_environment().get_template("_conditional.html")
    html = template.render(conditional=_section(lang), t=strings(lang))  # type: ignore[arg-type]
    assert html.count("<svg") == 2
    assert "<b>yq</b>" not in html
    assert "&lt;b&gt;yq&lt;/b&gt;" in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_no_block_no_section() -> None:
    assert conditional_section(None, "en") is None
    assert conditional_section({"moderations": [], "curves": []}, "en") is None


def test_charts_skip_degenerate_input_and_draw_only_visible_bounds() -> None:
    from semwb.report.conditional_charts import curves_svg, johnson_neyman_svg

    flat = {"band": {"value": [1.0], "est": [0.0], "ci_lower": [0.0], "ci_upper": [0.0]},
            "jn": {"observed": [1.0, 1.0], "significant": [], "bounds": []}}
    assert johnson_neyman_svg(flat, title="t", x_label="w", y_label="s") is None
    assert curves_svg({"at": []}, title="t", x_label="x", y_label="y", legend=[]) is None
    probe = _centered_probe()
    probe["jn"]["bounds"] = [-100.0, 3.0]
    chart = johnson_neyman_svg(probe, title="t", x_label="w", y_label="s")
    assert chart is not None
    assert chart.count('stroke-dasharray="4 3"') == 1
