"""Product and power columns with recorded centering; the centered regression equals R lm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conditional_reference import data, reference
from semwb.conditional.products import add_product_terms
from semwb.errors import SpecError
from semwb.sem.terms import ProductTerm


def test_mean_centering_reproduces_r_centered_regression() -> None:
    frame = data()
    made = add_product_terms(frame, ["x", "w", "x:w"])
    ref = reference()["two_way_centered"]
    assert made.center_of("x").center == pytest.approx(ref["x_mean"], rel=1e-14)
    assert made.center_of("w").method == "mean"
    design = np.column_stack([np.ones(len(frame)), made.data[["x", "w", "x:w"]].to_numpy()])
    est, *_ = np.linalg.lstsq(design, frame["y"].to_numpy(), rcond=None)
    np.testing.assert_allclose(est, ref["est"], rtol=1e-9)
    # the input frame is not changed
    pd.testing.assert_frame_equal(frame, data())


def test_uncentered_products_reproduce_r_raw_regression() -> None:
    frame = data()
    made = add_product_terms(frame, ["x:w"], default="none")
    assert [c.center for c in made.centering] == [0.0, 0.0]
    design = np.column_stack([np.ones(len(frame)), made.data[["x", "w", "x:w"]].to_numpy()])
    est, *_ = np.linalg.lstsq(design, frame["y"].to_numpy(), rcond=None)
    np.testing.assert_allclose(est, reference()["two_way"]["est"], rtol=1e-9)


def test_centering_by_variable_and_power_terms() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan], "w": [2.0, 4.0, 6.0, 8.0]})
    made = add_product_terms(frame, ["I(x^2)", "x:w"], centering={"x": 2.0, "w": "none"})
    assert made.terms == (ProductTerm("I(x^2)", ("x", "x")), ProductTerm("x:w", ("x", "w")))
    np.testing.assert_allclose(made.data["I(x^2)"][:3], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(made.data["x:w"][:3], [-2.0, 0.0, 6.0])
    assert np.isnan(made.data["x:w"].iloc[3])
    record = made.center_of("x")
    assert (record.method, record.center) == ("value", 2.0)
    assert record.to_data(record.to_model(3.5)) == 3.5
    assert made.to_dict() == {
        "terms": {"I(x^2)": ["x", "x"], "x:w": ["x", "w"]},
        "centering": {"x": {"method": "value", "center": 2.0},
                      "w": {"method": "none", "center": 0.0}},
    }


def test_problems_are_reported_together_naming_each_term() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "group": ["a", "b"]})
    with pytest.raises(SpecError) as info:
        add_product_terms(frame, ["x:w", "x:group", "I(q^2)"], centering={"zz": "mean"})
    message = str(info.value)
    assert "4 problems" in message
    assert "Term 'x:w': variable 'w' is not a column" in message
    assert "Term 'x:group': variable 'group' is not numeric" in message
    assert "Term 'I(q^2)': variable 'q'" in message
    assert "'zz', which is in no product term" in message


def test_bad_centering_word_is_named() -> None:
    with pytest.raises(SpecError, match="'x' must be 'mean', 'none' or a number; got 'median'"):
        add_product_terms(pd.DataFrame({"x": [1.0], "w": [2.0]}), ["x:w"],
                          centering={"x": "median"})  # type: ignore[dict-item]
