"""Warnings read off a fitted model's standardized loadings (a reverse-worded item left uncoded)."""

from __future__ import annotations

import pandas as pd

from semwb.results import LOADING_WARNING


def negative_loadings(parameters: pd.DataFrame) -> list[str]:
    """One warning per loading whose standardized value is negative.

    Parameters
    ----------
    parameters
        A parameter table (``lhs, op, rhs, group, std_all``), as ``FitResult.parameters``.

    Returns
    -------
    list of str
        ``loading: ar4 has a negative standardized loading (-0.40) on AR: ...``; a multiple-group
        fit names the group.
    """
    rows = parameters[(parameters["op"] == "=~") & (parameters["std_all"] < 0)]
    several = "group" in parameters and parameters["group"].nunique() > 1
    return [f"{LOADING_WARNING}{r.rhs}{f' (group {r.group})' if several else ''} has a negative "
            f"standardized loading ({r.std_all:.2f}) on {r.lhs}: it looks reverse-worded; mark "
            "it 'reverse: true' in the instrument and fit with --instrument, or check how it "
            "was coded" for r in rows.itertuples()]
