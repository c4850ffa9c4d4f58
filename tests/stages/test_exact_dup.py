"""Tests of text folding, exact hashes and exact duplicate clusters, on paragraphs of the bundled seeds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from corpus_kit.config import DedupConfig
from corpus_kit.stages.exact_dup import exact_edges, exact_hashes, fold_texts
from corpus_kit.stages.near_dup import cluster_duplicates, dedup_keys
from tests.conftest import SEEDS

EXACT_ONLY = replace(DedupConfig(), near=False)


def seed_paragraphs() -> list[str]:
    """Paragraphs of more than 30 words of the first seed page (a news article)."""
    text = (SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if len(line.split()) > 30]


def clusters(table: pa.Table, cfg: DedupConfig) -> dict[str, tuple]:
    out = cluster_duplicates(dedup_keys(table, cfg), cfg)
    return {
        row["id"]: (row["dup_cluster"], row["is_duplicate"], row["duplicate_of"]) for row in out.to_pylist()
    }


def test_fold_texts_lowercases_and_folds_punctuation_and_spacing() -> None:
    texts = pa.array(
        ["Pakistan is '98% sure'  US drone\nkilled", "  Ça—va?  Très_bien! ", "", None, "नमस्ते दुनिया"]
    )
    assert fold_texts(texts).to_pylist() == [
        "pakistan is 98 sure us drone killed",
        "ça va très bien",
        "",
        "",
        "नमस्ते दुनिया",
    ]


def test_exact_hash_ignores_case_punctuation_and_whitespace() -> None:
    paragraph = seed_paragraphs()[0]
    variants = [paragraph, paragraph.upper(), paragraph.replace(" ", "  \n "), paragraph.replace(",", " ;")]
    hashes = exact_hashes(pa.array([*variants, seed_paragraphs()[1]]))
    assert len(set(hashes[:4].tolist())) == 1
    assert hashes[4] != hashes[0]


def test_exact_edges_chain_each_group_in_row_order() -> None:
    hashes = np.array([7, 3, 7, 9, 7, 3], np.uint64)
    a, b = exact_edges(hashes)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2), (1, 5), (2, 4)]
    a, b = exact_edges(hashes, group=np.array([1, 0, 0, 0, 1, 1]))
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 4), (1, 5), (2, 0)]


def test_exact_duplicates_cluster_with_longest_text_as_keeper() -> None:
    p = seed_paragraphs()
    table = pa.table(
        {
            "id": ["d1", "d2", "d3", "d4", "d5"],
            "text": [p[0], p[0].replace(" ", "   "), p[1], p[0].upper(), p[2]],
        }
    )
    assert clusters(table, EXACT_ONLY) == {
        "d1": ("d2", True, "d2"),
        "d2": ("d2", False, None),  # same folded text as d1 and d4, and the longest (extra spaces)
        "d3": (None, False, None),
        "d4": ("d2", True, "d2"),
        "d5": (None, False, None),
    }


def test_keeper_ties_go_to_the_smallest_id_and_n_chars_column_wins() -> None:
    p = seed_paragraphs()[3]
    table = pa.table({"id": ["b", "c", "a"], "text": [p, p, p]})
    assert clusters(table, EXACT_ONLY) == {
        "a": ("a", False, None),
        "b": ("a", True, "a"),
        "c": ("a", True, "a"),
    }
    with_lengths = table.append_column("n_chars", pa.array([10, 500, 10], pa.int64()))
    assert clusters(with_lengths, EXACT_ONLY)["a"] == ("c", True, "c")


def test_texts_without_words_are_nobodys_duplicate() -> None:
    table = pa.table({"id": ["a", "b", "c", "d"], "text": ["", " -- ", "!!", None]})
    assert set(clusters(table, EXACT_ONLY).values()) == {(None, False, None)}
    assert set(clusters(table, DedupConfig()).values()) == {(None, False, None)}


def test_exact_off_near_on_still_clusters_identical_texts() -> None:
    p = seed_paragraphs()
    table = pa.table({"id": ["a", "b", "c"], "text": [p[4], p[4], p[5]]})
    cfg = replace(DedupConfig(), exact=False)
    assert clusters(table, cfg) == {"a": ("a", False, None), "b": ("a", True, "a"), "c": (None, False, None)}
    none = replace(DedupConfig(), exact=False, near=False)
    assert set(clusters(table, none).values()) == {(None, False, None)}
