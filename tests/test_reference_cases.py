"""The reference cases are self-contained: their data live inside tests/reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference"
MEASUREMENT = sorted(REFERENCE.glob("*/measurement.json"))


def test_there_are_measurement_cases() -> None:
    assert len(MEASUREMENT) >= 3


@pytest.mark.parametrize("path", MEASUREMENT, ids=lambda p: p.parent.name)
def test_measurement_data_is_committed_inside_the_reference_folder(path: Path) -> None:
    data = (path.parent / json.loads(path.read_text(encoding="utf-8"))["data"]).resolve()
    assert data.is_relative_to(REFERENCE.resolve()), f"{path.parent.name} reads {data}"
    assert data.is_file()
