"""The NumPy evaluation of the bundled classifiers (`stages/trees.py`) against a plain walk of their trees."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from corpus_kit.stages import boilerplate
from corpus_kit.stages.line_features import batch_context_features, batch_line_features
from corpus_kit.stages.normalize import normalize_text
from corpus_kit.stages.trees import TreeEnsemble
from tests.conftest import SEEDS


def walk(ensemble: dict, row: np.ndarray) -> float:
    """The content probability of one float64 `row`, node by node as the artifact describes it."""
    raw = float(ensemble["baseline"])
    for tree in ensemble["trees"]:
        node = 0
        while not tree["leaf"][node]:
            go_right = row[tree["feature"][node]] > tree["threshold"][node]
            node = tree["right"][node] if go_right else tree["left"][node]
        raw += tree["value"][node]
    return 1.0 / (1.0 + math.exp(-raw))


def artifact(name: str) -> dict:
    return json.loads((boilerplate.MODELS_DIR / name).read_text(encoding="utf-8"))


def seed_pages() -> list[list[str]]:
    texts = [normalize_text(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    return [[line for line in text.split("\n") if line.strip()] for text in texts]


def near_thresholds(ensemble: dict, width: int) -> np.ndarray:
    """float32 rows whose values sit on, just above and just below the ensemble's thresholds."""
    pairs = sorted(
        {
            (f, t)
            for tree in ensemble["trees"]
            for f, t, leaf in zip(tree["feature"], tree["threshold"], tree["leaf"], strict=True)
            if not leaf
        }
    )
    rows = np.zeros((3 * len(pairs), width), dtype=np.float32)
    for k, (f, t) in enumerate(pairs):
        on = np.float32(t)
        up, down = np.nextafter(on, np.float32(np.inf)), np.nextafter(on, np.float32(-np.inf))
        rows[3 * k : 3 * k + 3, f] = (on, up, down)
    return rows


def test_seed_lines_score_as_the_plain_walk_of_both_passes() -> None:
    data = artifact(boilerplate.MODEL_FILE)
    model = boilerplate._model()
    pages = seed_pages()
    base = batch_line_features(pages, [None] * len(pages))
    first = model.first_pass.predict(base)
    assert base.dtype == np.float32
    np.testing.assert_allclose(first, [walk(data["first_pass"], row.astype(np.float64)) for row in base])
    second_in = np.hstack([base, batch_context_features(first, pages)])
    second = model.second_pass.predict(second_in)
    expected = [walk(data["second_pass"], row.astype(np.float64)) for row in second_in]
    np.testing.assert_allclose(second, expected)


@pytest.mark.parametrize("name", [boilerplate.MODEL_FILE, boilerplate.HTML_MODEL_FILE])
def test_float32_rows_at_every_threshold_go_the_way_float64_would(name: str) -> None:
    data = artifact(name)["first_pass"]
    trees = boilerplate._model(name).first_pass
    width = 1 + max(max(tree["feature"]) for tree in data["trees"])
    rows = near_thresholds(data, width)
    got = trees.predict(rows)
    np.testing.assert_allclose(got, [walk(data, row.astype(np.float64)) for row in rows])


@pytest.mark.parametrize("name", [boilerplate.MODEL_FILE, boilerplate.HTML_MODEL_FILE])
@pytest.mark.parametrize("ensemble", ["first_pass", "second_pass"])
def test_rows_with_every_feature_near_a_threshold_score_as_the_plain_walk(name: str, ensemble: str) -> None:
    # Each value sits on, just above or just below one of its feature's thresholds, all features
    # at once: the tables that several features share are read at many combinations of ranks.
    data = artifact(name)[ensemble]
    width = 1 + max(max(tree["feature"]) for tree in data["trees"])
    by_feature: dict[int, list[float]] = {}
    for tree in data["trees"]:
        for f, t, leaf in zip(tree["feature"], tree["threshold"], tree["leaf"], strict=True):
            if not leaf:
                by_feature.setdefault(f, []).append(t)
    rng = np.random.default_rng(0)
    rows = np.zeros((300, width), dtype=np.float32)
    for f, thresholds in by_feature.items():
        on = np.float32(rng.choice(thresholds, size=len(rows)))
        step = rng.integers(-1, 2, size=len(rows))
        rows[:, f] = np.where(step > 0, np.nextafter(on, np.float32(np.inf)), on)
        rows[step < 0, f] = np.nextafter(on[step < 0], np.float32(-np.inf))
    got = TreeEnsemble.from_json(data).predict(rows)
    # Only the order of summing the leaf values differs; one wrong leaf would move far more.
    np.testing.assert_allclose(got, [walk(data, row.astype(np.float64)) for row in rows], rtol=1e-12, atol=0)


def test_a_tree_with_more_than_32_leaves_is_refused() -> None:
    # A chain of 32 splits on feature 0: 33 leaves, one more than a uint32 mask has bits for.
    n = 32
    tree = {
        "feature": [0] * n + [0] * (n + 1),
        "threshold": [float(i) for i in range(n)] + [0.0] * (n + 1),
        "left": [n + i for i in range(n)] + [0] * (n + 1),
        "right": [i + 1 for i in range(n - 1)] + [2 * n] + [0] * (n + 1),
        "leaf": [0] * n + [1] * (n + 1),
        "value": [0.0] * (2 * n + 1),
    }
    with pytest.raises(ValueError, match="33 leaves"):
        TreeEnsemble.from_json({"baseline": 0.0, "trees": [tree]})
