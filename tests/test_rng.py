"""The one rng helper: seeds, generators and None accepted; anything else a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from semwb.errors import OptionError
from semwb.rng import as_generator


def test_same_seed_same_draws_and_generators_pass_through() -> None:
    assert as_generator(7).integers(0, 10**6) == as_generator(7).integers(0, 10**6)
    gen = np.random.default_rng(1)
    assert as_generator(gen) is gen
    assert isinstance(as_generator(None), np.random.Generator)


@pytest.mark.parametrize("bad", [1.5, "one", True, np.random.RandomState(0)])
def test_other_values_are_an_option_error(bad: object) -> None:
    with pytest.raises(OptionError, match="The seed must be an integer"):
        as_generator(bad)  # type: ignore[arg-type]
