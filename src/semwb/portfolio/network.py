"""Ego-network measures of a portfolio: density, Burt's effective size, efficiency, constraint.

The focal firm (ego) is tied to each of its partners (alters); partner-partner ties come from the
ties file. The measures work on a symmetric adjacency matrix, so that they can be checked node by
node against networkx (the tests do) and against Borgatti's (1997) worked example.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EgoMeasures:
    """Structural-hole measures of one ego network (NaN where undefined).

    Attributes
    ----------
    density
        Ties among alters over the ``n(n-1)/2`` possible (NaN for fewer than two alters).
    effective_size, efficiency, constraint
        Burt's (1992) measures for the ego (NaN without alters); efficiency is effective size
        over the number of alters.
    """

    density: float
    effective_size: float
    efficiency: float
    constraint: float


def effective_size(adjacency: np.ndarray, ego: int) -> float:
    """Burt's effective size ``sum_j (1 - sum_q p_iq m_jq)`` of node ``ego``.

    ``p_iq`` is the proportional tie strength ``(a_iq + a_qi) / sum_k (a_ik + a_ki)``; ``m_jq`` is
    ``(a_jq + a_qj) / max_k (a_jk + a_kj)``; ``j`` runs over the ego's neighbours and ``q`` over
    the others than ego and ``j``. For unweighted ties it equals Borgatti's ``n - 2t/n``.
    """
    mutual = adjacency + adjacency.T
    neighbours = np.flatnonzero(mutual[ego] > 0)
    if neighbours.size == 0:
        return math.nan
    p = mutual[ego] / mutual[ego].sum()
    peak = mutual.max(axis=1, keepdims=True)
    m = np.divide(mutual, peak, out=np.zeros_like(mutual, dtype=float), where=peak > 0)
    redundancy = m[neighbours] @ p  # sum_q p_iq m_jq; q = ego and q = j contribute 0
    return float(np.sum(1.0 - redundancy))


def constraint(adjacency: np.ndarray, ego: int) -> float:
    """Burt's constraint ``sum_j (p_ij + sum_q p_iq p_qj)^2`` over the ego's neighbours ``j``.

    ``p`` as in :func:`effective_size`; ``q`` runs over all nodes other than ego and ``j``.
    """
    mutual = adjacency + adjacency.T
    neighbours = np.flatnonzero(mutual[ego] > 0)
    if neighbours.size == 0:
        return math.nan
    totals = mutual.sum(axis=1, keepdims=True)
    p = np.divide(mutual, totals, out=np.zeros_like(mutual, dtype=float), where=totals > 0)
    indirect = p[ego] @ p  # p has a zero diagonal, so q = ego and q = j add nothing
    return float(np.sum((p[ego, neighbours] + indirect[neighbours]) ** 2))


def ego_adjacency(alters: Collection[str], ties: Iterable[tuple[str, str]]) -> np.ndarray:
    """The ego network as a 0/1 matrix: node 0 is the ego, tied to every alter.

    Ties naming a partner that is not among ``alters`` are ignored.
    """
    index = {alter: i for i, alter in enumerate(sorted(alters), start=1)}
    matrix = np.zeros((len(index) + 1, len(index) + 1))
    matrix[0, 1:] = matrix[1:, 0] = 1.0
    for a, b in ties:
        if a in index and b in index:
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = 1.0
    return matrix


def ego_measures(alters: Collection[str], ties: Iterable[tuple[str, str]]) -> EgoMeasures:
    """Density, effective size, efficiency and constraint of a firm's ego network."""
    matrix = ego_adjacency(alters, ties)
    n = len(matrix) - 1
    if n == 0:
        return EgoMeasures(math.nan, math.nan, math.nan, math.nan)
    links = matrix[1:, 1:].sum() / 2
    size = effective_size(matrix, 0)
    return EgoMeasures(density=float(links / (n * (n - 1) / 2)) if n > 1 else math.nan,
                       effective_size=size, efficiency=size / n, constraint=constraint(matrix, 0))
