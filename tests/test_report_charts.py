"""Bootstrap histograms and the loadings chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from semwb.report.charts import bootstrap_histogram_svg, loadings_chart_svg

NS = "{http://www.w3.org/2000/svg}"


def test_histogram_marks_estimate_interval_and_zero() -> None:
    svg = bootstrap_histogram_svg([0.05, 0.1, 0.15, 0.2, 0.25], [5, 40, 30, 2], estimate=0.13,
                                  ci=(0.08, 0.21), title="ind")
    assert svg is not None
    root = ET.fromstring(str(svg))
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts[:1] == ["0.130"]  # the estimate, above its line
    assert {"0.000", "0.080", "0.210", "0.250", "ind"} <= set(texts)  # zero is near: shown
    assert root.findtext(f"{NS}title") == "ind"


def test_histogram_far_from_zero_keeps_its_own_range() -> None:
    svg = bootstrap_histogram_svg([5.0, 6.0, 7.0], [3, 4], estimate=6.0, ci=(5.2, 6.8), title="x")
    assert "0.000" not in str(svg)


def test_malformed_histograms_are_not_drawn() -> None:
    assert bootstrap_histogram_svg([0, 1], [1, 2], estimate=0.5, ci=(0, 1), title="x") is None
    assert bootstrap_histogram_svg([0, 1], [0], estimate=0.5, ci=(0, 1), title="x") is None
    assert bootstrap_histogram_svg([], [], estimate=None, ci=(None, None), title="x") is None


def test_loadings_chart_shades_loadings_below_the_guideline() -> None:
    svg = loadings_chart_svg([("AR", [("ar1", 0.8), ("ar2", 0.5), ("ar3", None)])], lang="zh")
    root = ET.fromstring(str(svg))
    fills = [r.get("fill") for r in root.iter(f"{NS}rect")]
    assert fills == ["#7d9cc7", "#d7dee8"]  # ar3 has no loading: no bar
    assert root.find(f"{NS}title").text == "标准化因子载荷"  # type: ignore[union-attr]


def test_a_negative_loading_is_drawn_left_of_zero_with_its_sign() -> None:
    root = ET.fromstring(str(loadings_chart_svg([("AR", [("ar1", 0.8), ("ar4", -0.62)])],
                                                lang="en")))
    bars = {r.get("fill"): (float(r.get("x", 0)), float(r.get("width", 0)))
            for r in root.iter(f"{NS}rect")}
    (pos_x, pos_w), (neg_x, neg_w) = bars["#7d9cc7"], bars["#c98a88"]
    assert neg_x + neg_w == pos_x  # both start at zero, in opposite directions
    assert neg_w / pos_w == pytest.approx(0.62 / 0.8)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "−.62" in texts
    assert "−1" in texts
