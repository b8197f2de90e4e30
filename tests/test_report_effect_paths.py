"""Defined effects described as chains of constructs."""

from __future__ import annotations

import pytest

from report_support import instrument, mediation_results
from semwb.report.effect_paths import describe_effect
from semwb.report.labels import Labels, labels_from_instrument
from semwb.report.parts import split_parameters
from semwb.results import ParameterRow


@pytest.mark.parametrize(("rhs", "described"), [
    ("a*b", "AR → IOL → AI"),
    ("b * a", "AR → IOL → AI"),
    ("cp+a*b", "AR → AI + AR → IOL → AI"),
    ("a*b - cp", ""),      # a difference is not a chain
    ("a*cp", ""),          # IOL ~ AR and AI ~ AR do not link up
    ("a*x", ""),           # unknown label
    ("2*a", ""),
])
def test_describe_effect(rhs: str, described: str) -> None:
    parts = split_parameters(mediation_results())
    row = ParameterRow(lhs="e", op=":=", rhs=rhs, label="e")
    assert describe_effect(row, parts, Labels()) == described


def test_described_in_the_report_language() -> None:
    parts = split_parameters(mediation_results())
    row = ParameterRow(lhs="ind", op=":=", rhs="a*b", label="ind")
    assert describe_effect(row, parts, labels_from_instrument(instrument(), "zh")) == (
        "联盟惯例 → 组织间学习 → 双元创新")
