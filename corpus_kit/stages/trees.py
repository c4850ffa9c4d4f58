"""Gradient-boosted tree ensembles, from the JSON of the bundled models, evaluated with NumPy.

The evaluation follows QuickScorer (Lucchese et al., SIGIR 2015). A tree's leaves are numbered
left to right; a row's leaf is the leftmost one no node on its path rules out. Going right at a
node rules out the leaves of its left subtree, so each node has a mask of the leaves it keeps
then, one bit per leaf, and a row's leaf is the lowest bit left after ANDing the masks of the
nodes where it goes right. It goes right where its value is above the threshold: for one
feature, the nodes with the lowest thresholds, as many as its value exceeds. So each feature has
a table whose row k is the AND of the masks of the k nodes with its lowest thresholds, in every
tree; a row of data needs one table row per feature, found by `searchsorted`. Features with few
thresholds share a table whose rows are the combinations. No walk over nodes, no branches.

Leaf values are summed over a (rows, trees) array, as a node-by-node walk adding them tree by
tree would, to the same float rounding. Features are never NaN (the line features have none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_LEAF_BITS = 32
_ALL_LEAVES = np.uint32(0xFFFFFFFF)
# The lowest set bit b of a uint32, times this de Bruijn constant, has a distinct top 5 bits for
# each b: a perfect hash of the leaf's number.
_DE_BRUIJN = np.uint32(0x077CB531)
# Rows of a table that features share: about a thousand keep it in the CPU cache (800 kB for 200 trees).
_TABLE_ROWS = 1024
# Rows evaluated together: their (rows, trees) masks stay in the CPU cache.
_BLOCK_ROWS = 512


def _hash_of_leaf() -> np.ndarray:
    """The leaf number (the bit) of each of the 32 de Bruijn hashes."""
    leaf = np.zeros(_LEAF_BITS, dtype=np.intp)
    for bit in range(_LEAF_BITS):
        leaf[(((1 << bit) * int(_DE_BRUIJN)) & 0xFFFFFFFF) >> 27] = bit
    return leaf


@dataclass(frozen=True)
class _Table:
    """The leaf masks of the nodes of some features, row per combination of their ranks."""

    features: tuple[int, ...]
    thresholds: tuple[np.ndarray, ...]  # each feature's distinct thresholds, ascending
    masks: np.ndarray  # (rows, trees) uint32

    def rows_of(self, x: np.ndarray) -> np.ndarray:
        """The table row of each row of `x`: the combination of its features' ranks."""
        row = np.zeros(len(x), dtype=np.intp)
        for feature, thresholds in zip(self.features, self.thresholds, strict=True):
            row *= len(thresholds) + 1
            # The number of thresholds below the value: the nodes where the row goes right.
            row += np.searchsorted(thresholds, x[:, feature].astype(np.float64))
        return row


@dataclass(frozen=True)
class TreeEnsemble:
    """One boosted ensemble of trees with at most 32 leaves each, its baseline and leaf values."""

    tables: tuple[_Table, ...]
    values: np.ndarray  # (trees, 32): each tree's leaf values, by the de Bruijn hash of the leaf
    baseline: float

    @classmethod
    def from_json(cls, data: dict) -> TreeEnsemble:
        """Build the tables of an ensemble stored as `scripts/train_boilerplate.py` writes it."""
        trees = data["trees"]
        values = np.zeros((len(trees), _LEAF_BITS))
        nodes: dict[int, list[tuple[float, int, int]]] = {}  # feature -> (threshold, tree, mask)
        for t, tree in enumerate(trees):
            leaves = _leaf_masks(tree, values[t], nodes, t)
            if leaves > _LEAF_BITS:
                raise ValueError(f"tree {t} has {leaves} leaves; at most {_LEAF_BITS} are supported")
        values = values[:, _hash_of_leaf()]
        return cls(_tables(nodes, len(trees)), values, float(data["baseline"]))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the probability of the positive class (content) for each row of `x`."""
        rows = [(table.rows_of(x), table.masks) for table in self.tables]
        first_leaf = np.arange(len(self.values)) * _LEAF_BITS
        flat_values = self.values.ravel()
        raw = np.empty(len(x))
        for start in range(0, len(x), _BLOCK_ROWS):
            block = slice(start, start + _BLOCK_ROWS)
            mask = np.full((len(x[block]), len(self.values)), _ALL_LEAVES)
            for row, masks in rows:
                mask &= masks[row[block]]
            mask &= ~mask + np.uint32(1)  # the lowest set bit: the row's leaf
            mask *= _DE_BRUIJN
            mask >>= np.uint32(27)
            raw[block] = self.baseline + flat_values[mask + first_leaf].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


def _leaf_masks(tree: dict, values: np.ndarray, nodes: dict, t: int) -> int:
    """Number the leaves of `tree` left to right, store their `values`, and add each inner node's
    (threshold, tree, mask of the leaves not in its left subtree) to `nodes` by feature. Return
    the number of leaves."""
    leaves = 0
    stack: list[tuple[int, int | None]] = [(0, None)]  # (node, first leaf of its left subtree)
    while stack:
        node, first = stack.pop()
        if first is not None:  # the left subtree is done: its leaves are first .. leaves - 1
            left = ((1 << leaves) - 1) ^ ((1 << first) - 1)
            mask = int(_ALL_LEAVES) ^ (left & int(_ALL_LEAVES))
            nodes.setdefault(tree["feature"][node], []).append((tree["threshold"][node], t, mask))
            stack.append((tree["right"][node], None))
        elif tree["leaf"][node]:
            if leaves < _LEAF_BITS:
                values[leaves] = tree["value"][node]
            leaves += 1
        else:
            stack.append((node, leaves))
            stack.append((tree["left"][node], None))
    return leaves


def _tables(nodes: dict[int, list[tuple[float, int, int]]], n_trees: int) -> tuple[_Table, ...]:
    """One table per feature, prefix-ANDed in threshold order; few-threshold features share one."""
    single = []
    for feature in sorted(nodes):
        thresholds = np.unique([threshold for threshold, _, _ in nodes[feature]]).astype(np.float64)
        masks = np.full((len(thresholds) + 1, n_trees), _ALL_LEAVES)
        for threshold, t, mask in nodes[feature]:
            masks[np.searchsorted(thresholds, threshold) + 1, t] &= np.uint32(mask)
        single.append(_Table((feature,), (thresholds,), np.bitwise_and.accumulate(masks, axis=0)))
    single.sort(key=lambda table: len(table.masks))
    tables: list[_Table] = []
    for table in single:
        last = tables[-1] if tables else None
        if last is not None and len(last.masks) * len(table.masks) <= _TABLE_ROWS:
            combined = last.masks[:, None, :] & table.masks[None, :, :]
            tables[-1] = _Table(
                last.features + table.features,
                last.thresholds + table.thresholds,
                combined.reshape(-1, n_trees),
            )
        else:
            tables.append(table)
    return tuple(tables)
