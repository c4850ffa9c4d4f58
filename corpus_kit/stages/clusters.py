"""Duplicate clusters: connected components of verified pairs, and one keeper per cluster."""

from __future__ import annotations

import numpy as np


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the component of each of `n` nodes given edges `(a, b)`: its smallest node index.

    Union-find with path halving; the root of a union is always the smaller node, so the result does
    not depend on the order of the edges.
    """
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    # Each root is smaller than its children, so one pass in index order resolves every chain.
    for x in range(n):
        parent[x] = parent[parent[x]]
    return parent


def choose_keepers(components: np.ndarray, n_chars: np.ndarray, preferred: np.ndarray) -> np.ndarray:
    """Return, for each node, the keeper of its component.

    The keeper is a `preferred` node if the component has one (a document of an earlier release),
    then the longest text (`n_chars`), ties broken by the smallest node index (nodes are sorted by id).
    """
    nodes = np.arange(len(components))
    order = np.lexsort((nodes, -n_chars.astype(np.int64), ~preferred, components))
    first = np.ones(len(order), bool)
    first[1:] = components[order[1:]] != components[order[:-1]]
    keeper_of_component = np.empty(len(components), np.int64)
    keeper_of_component[components[order[first]]] = order[first]
    return keeper_of_component[components]


def component_sizes(components: np.ndarray) -> np.ndarray:
    """Return, for each node, the number of nodes in its component."""
    return np.bincount(components, minlength=len(components))[components]
