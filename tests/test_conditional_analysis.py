"""From a parameter table and its covariance to the results block: what is probed, and how."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from conditional_reference import data, reference
from semwb.conditional.analysis import conditional_block, regression_coefficients
from semwb.conditional.products import add_product_terms


def _fit_like(*blocks: tuple[str, dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A FitResult-shaped parameter table and vcov from R lm blocks (intercepts left out)."""
    rows, keys, mats = [], [], []
    for outcome, block in blocks:
        keep = [i for i, n in enumerate(block["names"]) if n != "(Intercept)"]
        names = [f"{outcome}.{i}" for i in keep]
        rows += [{"lhs": outcome, "op": "~", "rhs": block["names"][i], "est": block["est"][i],
                  "semopy": name} for i, name in zip(keep, names, strict=True)]
        keys += names
        mats.append(np.array(block["vcov"])[np.ix_(keep, keep)])
    rows.append({"lhs": "y", "op": "~~", "rhs": "y", "est": 1.0, "semopy": None})
    size = len(keys)
    vcov = np.zeros((size, size))
    at = 0
    for m in mats:
        vcov[at:at + len(m), at:at + len(m)] = m
        at += len(m)
    return pd.DataFrame(rows), pd.DataFrame(vcov, index=keys, columns=keys)


def test_regression_coefficients_are_named_by_predictor() -> None:
    parameters, vcov = _fit_like(("y", reference()["two_way"]))
    coefs = regression_coefficients(parameters, vcov, "y")
    assert coefs.names == ("x", "w", "x:w")
    assert coefs.vcov[2, 0] == reference()["two_way"]["vcov"][3][1]


def test_block_probes_interactions_and_moderated_curves() -> None:
    parameters, vcov = _fit_like(("y", reference()["two_way"]),
                                 ("yqw", reference()["quadratic_moderated"]))
    products = add_product_terms(data(), ["x:w", "I(u^2)", "u:w", "I(u^2):w"], default="none")
    block = conditional_block(parameters, vcov, products)
    assert block is not None
    assert block["centering"]["x"] == {"method": "none", "center": 0.0}
    # x:w is a moderation of y; u:w belongs to the curve of yqw and is not probed on its own
    assert [(m["outcome"], m["interaction"]) for m in block["moderations"]] == [("y", "x:w")]
    two_way = reference()["two_way"]
    normal = block["moderations"][0]["slopes"][1]
    assert normal["est"] == pytest.approx(two_way["slopes"][1]["est"], rel=1e-10)
    assert normal["se"] == pytest.approx(two_way["slopes"][1]["se"], rel=1e-10)
    (curve,) = block["curves"]
    assert (curve["outcome"], curve["predictor"], curve["moderator"]) == ("yqw", "u", "w")
    expected = [row["turning_point"] for row in reference()["quadratic_moderated"]["at"]]
    assert [b["turning_point"]["est"] for b in curve["at"]] == pytest.approx(expected, rel=1e-10)


def test_centered_fit_reports_turning_points_on_the_data_scale() -> None:
    frame = data()
    products = add_product_terms(frame, ["I(u^2)"])
    design = np.column_stack([np.ones(len(frame)), products.data["u"], products.data["I(u^2)"]])
    est, *_ = np.linalg.lstsq(design, frame["yq"], rcond=None)
    resid = frame["yq"] - design @ est
    cov = np.linalg.inv(design.T @ design) * (resid @ resid) / (len(frame) - 3)
    parameters = pd.DataFrame({"lhs": "yq", "op": "~", "rhs": ["u", "I(u^2)"], "est": est[1:],
                               "semopy": ["p1", "p2"]})
    vcov = pd.DataFrame(cov[1:, 1:], index=["p1", "p2"], columns=["p1", "p2"])
    block = conditional_block(parameters, vcov, products)
    assert block is not None
    (only,) = block["curves"][0]["at"]
    assert only["turning_point"]["est"] == pytest.approx(
        reference()["quadratic"]["turning_point"], rel=1e-9)
    assert only["u_test"]["low"] == pytest.approx(frame["u"].min())


def test_no_product_terms_no_block() -> None:
    parameters, vcov = _fit_like(("y", reference()["two_way"]))
    assert conditional_block(parameters, vcov, add_product_terms(data(), ["x", "w"])) is None
