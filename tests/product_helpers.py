"""Shared check of product-indicator fixtures (semTools' indProd + lavaan), for several tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from semwb.model_data import ModelData, model_data
from semwb.sem.spec import ModelSpec


def built_as_reference(spec: ModelSpec, folder: Path) -> ModelData:
    """``model_data`` of the fixture's data, held to its lavaan syntax and product columns
    (``model.lav``, ``products.csv`` made by semTools::indProd; 1e-12)."""
    built = model_data(spec, pd.read_csv(folder / "data.csv"))
    assert built.spec.syntax == (folder / "model.lav").read_text(encoding="utf-8")
    products = pd.read_csv(folder / "products.csv")
    for column in products:
        assert built.data[column].to_numpy() == pytest.approx(products[column].to_numpy(),
                                                               abs=1e-12)
    return built
