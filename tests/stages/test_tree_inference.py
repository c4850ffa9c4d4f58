"""The vectorised tree walk of the bundled classifiers against a plain walk of the JSON trees."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from corpus_kit.stages import boilerplate
from corpus_kit.stages.line_features import batch_context_features, batch_line_features
from corpus_kit.stages.normalize import normalize_text
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
