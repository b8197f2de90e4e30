"""The one helper that turns a user's ``rng`` argument into a numpy Generator.

Every random function in semwb takes ``rng: int | np.random.Generator | None`` (scikit-learn's
``check_random_state`` idea) and never touches numpy's global state.
"""

from __future__ import annotations

import numpy as np

from semwb.errors import OptionError


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng`` (a seed, a generator, or ``None``).

    Raises
    ------
    OptionError
        For anything else (a float, a string, a legacy ``RandomState``), naming what was given.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise OptionError(f"The seed must be an integer, a numpy Generator or None; got {rng!r}.")
