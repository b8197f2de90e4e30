"""Ego-network measures against hand computation, networkx and Borgatti's (1997) example."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from semwb.portfolio.network import constraint, effective_size, ego_adjacency, ego_measures

# The example graph of Borgatti (1997), "Structural holes: unpacking Burt's redundancy measures",
# Connections 20(1): effective sizes as published there; constraints as UCINET and igraph give
# them (both recorded in networkx's own tests of this graph).
BORGATTI = [("A", "B"), ("A", "F"), ("A", "G"), ("A", "E"), ("E", "G"), ("F", "G"), ("B", "G"),
            ("B", "D"), ("D", "G"), ("G", "C")]
BORGATTI_PUBLISHED = {"A": (2.50, 0.595), "G": (4.67, 0.400), "C": (1.0, 1.0)}


def _matrix(graph: nx.Graph) -> tuple[list[str], np.ndarray]:
    nodes = list(graph)
    return nodes, nx.to_numpy_array(graph, nodelist=nodes, weight="weight")


@pytest.mark.parametrize("ego", sorted(BORGATTI_PUBLISHED))
def test_borgatti_worked_example(ego: str) -> None:
    nodes, matrix = _matrix(nx.Graph(BORGATTI))
    size, burt = BORGATTI_PUBLISHED[ego]
    assert effective_size(matrix, nodes.index(ego)) == pytest.approx(size, abs=5e-3)
    assert constraint(matrix, nodes.index(ego)) == pytest.approx(burt, abs=5e-4)


def test_hand_computed_ego_network() -> None:
    """Ego tied to P1, P2, P3; P1-P2 tied.

    p(ego, j) = 1/3; p(P1, P2) = p(P2, P1) = 1/2. Constraint: for P1 and P2
    (1/3 + 1/3 x 1/2)^2 = 1/4 each, for P3 (1/3)^2 = 1/9: 11/18. Effective size 3 - 2 x 1/3.
    """
    ego = ego_measures({"P1", "P2", "P3"}, [("P1", "P2"), ("P1", "X9")])  # X9 not an alter
    assert ego.constraint == pytest.approx(11 / 18)
    assert ego.effective_size == pytest.approx(7 / 3)
    assert ego.efficiency == pytest.approx(7 / 9)
    assert ego.density == pytest.approx(1 / 3)


def test_star_and_clique() -> None:
    star = ego_measures({"a", "b", "c", "d"}, [])
    assert (star.density, star.effective_size, star.efficiency) == (0.0, 4.0, 1.0)
    assert star.constraint == pytest.approx(1 / 4)   # n x (1/n)^2
    clique = ego_measures({"a", "b", "c"}, [("a", "b"), ("b", "c"), ("a", "c")])
    assert clique.density == 1.0
    assert clique.effective_size == pytest.approx(1.0)
    assert clique.constraint == pytest.approx(3 * (1 / 3 + 2 / 9) ** 2)   # 75/81


def test_small_portfolios() -> None:
    empty = ego_measures(set(), [])
    assert all(math.isnan(v) for v in (empty.density, empty.effective_size, empty.constraint))
    one = ego_measures({"a"}, [])
    assert math.isnan(one.density)
    assert (one.effective_size, one.constraint) == (1.0, 1.0)


def test_ego_adjacency_puts_ego_first() -> None:
    matrix = ego_adjacency({"b", "a"}, [("a", "b")])
    assert matrix.tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["plain", "weighted", "directed"])
def test_every_node_matches_networkx(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(14, 0.3, seed=seed, directed=kind == "directed")
    if kind == "weighted":
        nx.set_edge_attributes(graph, {e: int(rng.integers(1, 6)) for e in graph.edges},
                               "weight")
    nodes, matrix = _matrix(graph)
    weight = "weight" if kind == "weighted" else None
    # nodes= takes networkx's node-by-node path: its sparse path (nodes=None) divides by the
    # row maxima along the wrong axis for weighted and directed graphs (networkx PR #8906).
    want_size = nx.effective_size(graph, weight=weight, nodes=nodes)
    want_constraint = nx.constraint(graph, weight=weight, nodes=nodes)
    for i, node in enumerate(nodes):
        got_size, got_constraint = effective_size(matrix, i), constraint(matrix, i)
        if math.isnan(want_constraint[node]):
            assert math.isnan(got_constraint)
            assert math.isnan(got_size)
            continue
        assert got_size == pytest.approx(want_size[node], abs=1e-12)
        assert got_constraint == pytest.approx(want_constraint[node], abs=1e-12)
