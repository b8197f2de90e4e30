"""Discriminant validity: HTMT and HTMT2, latent correlations, the Fornell-Larcker table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from semwb.measurement.correlations import item_correlations


def htmt(items: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
         geometric: bool = False) -> dict[str, dict[str, float]]:
    """Heterotrait-monotrait ratio for every pair of constructs.

    Parameters
    ----------
    items
        Reverse-coded answers; rows with any missing item are left out (listwise, as semTools).
    constructs
        ``{construct: [item ids]}``, each with at least 2 items.
    geometric
        False: HTMT (Henseler et al., 2015, arithmetic means); True: HTMT2 (Roemer et al.,
        2021, geometric means).

    Returns
    -------
    dict
        ``{a: {b: value}}`` for each pair, a before b in ``constructs`` order.

    Notes
    -----
    HTMT_ij = mean|r(i, j)| / sqrt(mean|r(i, i')| mean|r(j, j')|) over heterotrait and the
    off-diagonal monotrait item correlations; matches semTools 0.5.6 ``htmt()`` to 1e-10.
    """
    names = list(constructs)
    all_items = [i for c in names for i in constructs[c]]
    corr: np.ndarray = item_correlations(items[all_items], listwise=True).abs().to_numpy()
    where = {item: pos for pos, item in enumerate(all_items)}  # positions: no pandas .loc

    def block(a: str, b: str) -> np.ndarray:
        rows, columns = ([where[i] for i in constructs[c]] for c in (a, b))
        return np.asarray(corr[np.ix_(rows, columns)])

    def mean(values: np.ndarray) -> float:
        return float(np.exp(np.mean(np.log(values)))) if geometric else float(np.mean(values))

    def mono(c: str) -> float:
        own = block(c, c)
        return mean(own[np.triu_indices_from(own, k=1)])

    within = {c: mono(c) for c in names}
    out: dict[str, dict[str, float]] = {}
    for a_pos, a in enumerate(names):
        for b in names[a_pos + 1:]:
            hetero = block(a, b).ravel()
            out.setdefault(a, {})[b] = mean(hetero) / np.sqrt(within[a] * within[b])
    return out


def latent_correlations(parameters: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Correlations between factors (std_all of their ``~~`` rows); 1 on the diagonal.

    Pairs without a ``~~`` row (e.g. a regression in a structural model) are NaN: take the
    correlations from the measurement CFA (:func:`semwb.measurement.cfa.measure_constructs`).
    """
    where = {name: pos for pos, name in enumerate(names)}
    values = np.full((len(names), len(names)), np.nan)
    np.fill_diagonal(values, 1.0)
    columns = (parameters[c].to_numpy() for c in ("lhs", "op", "rhs", "std_all"))
    for lhs, op, rhs, std in zip(*columns, strict=True):  # arrays: no pandas row per pair
        if op == "~~" and lhs != rhs and lhs in where and rhs in where:
            values[where[lhs], where[rhs]] = values[where[rhs], where[lhs]] = std
    return pd.DataFrame(values, index=list(names), columns=list(names))


def fornell_larcker(parameters: pd.DataFrame,
                    sqrt_ave: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """The Fornell-Larcker table: sqrt(AVE) on the diagonal, latent correlations off it.

    Parameters
    ----------
    parameters
        The k-factor CFA's parameter table (``lhs op rhs std_all``).
    sqrt_ave
        ``{construct: sqrt(AVE)}``, in the table's order.

    Returns
    -------
    dict
        ``{a: {b: value}}`` for every pair of constructs; discriminant validity holds when each
        diagonal value exceeds the correlations in its row (Fornell & Larcker, 1981).
    """
    names = list(sqrt_ave)
    lv = latent_correlations(parameters, names).to_numpy()
    return {a: {b: (sqrt_ave[a] if a == b else float(lv[i, j])) for j, b in enumerate(names)}
            for i, a in enumerate(names)}
