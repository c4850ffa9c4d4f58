"""Tests of MinHash + LSH near-duplicate clusters on text of the bundled seed pages and shared set C."""

from __future__ import annotations

import collections
import gzip
import itertools
import json
import random
import re
import zlib
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from corpus_kit.config import DedupConfig
from corpus_kit.errors import ConfigError
from corpus_kit.stages import exact_dup, near_dup
from corpus_kit.stages.exact_dup import fold_texts, word_hashes
from corpus_kit.stages.near_dup import (
    DedupIndex,
    band_hashes,
    candidate_pairs,
    cluster_duplicates,
    dedup_keys,
    find_cross_split_pairs,
    hash_texts,
    mark_duplicates,
    shingle_hashes,
    signature_similarity,
)
from tests.conftest import SEEDS, shared_data

CFG = DedupConfig()
SEED_FILES = ("000_d2e5173d4dcb53ba.txt", "001_66b4bbf42a475dd1.txt")


def article(name: str) -> list[str]:
    """Lines of at least 12 words of a seed page (its article paragraphs)."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    return [line for line in text.split("\n") if len(line.split()) >= 12]


def sentences() -> list[str]:
    """The article sentences of both seed pages, in order (72 sentences)."""
    out: list[str] = []
    for name in SEED_FILES:
        out += re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", " ".join(article(name)))
    return out


def edited(text: str) -> str:
    """A near copy: the second paragraph dropped and every 40th word replaced."""
    lines = text.split("\n")
    words = "\n".join(lines[:1] + lines[2:]).split(" ")
    return " ".join("banana" if i % 40 == 39 else w for i, w in enumerate(words))


def shingle_jaccard(a: str, b: str, n: int) -> float:
    def shingles(text: str) -> set[str]:
        words = fold_texts(pa.array([text]))[0].as_py().split()
        return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def docs() -> pa.Table:
    """Two seed articles, a near copy and an exact copy of the first, and overlapping sentence windows."""
    first, second = "\n".join(article(SEED_FILES[0])), "\n".join(article(SEED_FILES[1]))
    sents = sentences()
    windows = [" ".join(sents[i : i + 9]) for i in range(0, len(sents) - 8, 4)]
    texts = [first, second, edited(first), first.upper(), *windows, edited(windows[3])]
    ids = [
        "a-first",
        "b-second",
        "c-edited",
        "d-upper",
        *(f"w{i:02d}" for i in range(len(windows))),
        "x-edit-w03",
    ]
    return pa.table({"id": ids, "text": texts, "source": [f"seed/{i}" for i in range(len(ids))]})


def by_id(table: pa.Table) -> dict[str, tuple]:
    return {r["id"]: (r["dup_cluster"], r["is_duplicate"], r["duplicate_of"]) for r in table.to_pylist()}


def test_shingle_hashes_depend_only_on_the_shingle() -> None:
    texts = pa.array(["Alpha beta gamma delta epsilon zeta", "x alpha BETA gamma, delta epsilon", "a b", ""])
    hashes, rows = shingle_hashes(*word_hashes(texts), 4, 5)
    assert rows.tolist() == [0, 0, 1, 1, 2]
    assert hashes[0] == hashes[3]  # "alpha beta gamma delta epsilon" in two texts, at two offsets
    assert len(set(hashes.tolist())) == 4
    alone, _ = shingle_hashes(*word_hashes(pa.array(["alpha beta gamma delta epsilon"])), 1, 5)
    assert alone.tolist() == [hashes[0]]
    short, _ = shingle_hashes(*word_hashes(pa.array(["alpha beta", "alpha beta gamma"])), 2, 3)
    assert short[0] != short[1]


def test_words_are_the_words_of_the_folded_text() -> None:
    texts = pa.array(
        [*article(SEED_FILES[1])[:5], "Ça—va? «Très» bien…  naïve café_au_lait", "Привет, мир! 東京 2024"]
    )
    _, rows = word_hashes(texts)
    counts = np.bincount(rows, minlength=len(texts)).tolist()
    assert counts == [len(t.split()) for t in fold_texts(texts).to_pylist()]
    assert counts[-2:] == [8, 4]


def test_signature_agreement_estimates_true_jaccard() -> None:
    first = "\n".join(article(SEED_FILES[0]))
    copy = edited(first)
    _, sig, has = hash_texts(pa.array([first, copy]), CFG)
    assert has.tolist() == [True, True]
    true = shingle_jaccard(first, copy, CFG.ngram)
    assert 0.75 < true < 0.9
    assert abs(signature_similarity(sig, np.array([0]), np.array([1]))[0] - true) < 0.08


def test_near_and_exact_copies_of_real_text_cluster_under_the_longest() -> None:
    result = by_id(cluster_duplicates(dedup_keys(docs(), CFG), CFG))
    assert result["a-first"] == ("a-first", False, None)  # ties with d-upper on length; smaller id
    assert result["c-edited"] == ("a-first", True, "a-first")
    assert result["d-upper"] == ("a-first", True, "a-first")
    assert result["b-second"] == (None, False, None)
    assert result["x-edit-w03"] == ("x-edit-w03", False, None)  # "banana" made it the longer one
    assert result["w03"] == ("x-edit-w03", True, "x-edit-w03")
    clustered = {k for k, v in result.items() if v[0] is not None}
    assert clustered == {"a-first", "c-edited", "d-upper", "w03", "x-edit-w03"}


def test_chain_of_overlapping_windows_does_not_merge() -> None:
    """Windows of 9 sentences shifted by 4 share ~40 % of their shingles with their neighbours.

    LSH makes some neighbours candidates; verification rejects them all. Without it (threshold
    near 0) they chain into clusters, which is what verification prevents at scale.
    """
    sents = sentences()
    windows = [" ".join(sents[i : i + 9]) for i in range(0, len(sents) - 8, 4)]
    table = pa.table({"id": [f"w{i:02d}" for i in range(len(windows))], "text": windows})
    keys = dedup_keys(table, CFG)
    sig = near_dup.signature_matrix(keys.column("signature"), CFG.num_perm)
    a, _ = candidate_pairs(band_hashes(sig, CFG), CFG.max_bucket)
    assert len(a) >= 5
    assert cluster_duplicates(keys, CFG).column("dup_cluster").null_count == len(windows)
    unverified = cluster_duplicates(keys, replace(CFG, threshold=0.01)).column("dup_cluster").to_pylist()
    assert max(collections.Counter(c for c in unverified if c).values()) >= 3


def test_output_does_not_depend_on_row_order_batches_or_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    table = docs()
    keys = dedup_keys(table, CFG)
    expected = cluster_duplicates(keys, CFG)
    order = list(range(table.num_rows))
    random.Random(7).shuffle(order)
    shuffled = table.take(order)
    batches = pa.concat_tables(dedup_keys(shuffled.slice(i, 5), CFG) for i in range(0, shuffled.num_rows, 5))
    assert cluster_duplicates(batches, CFG).equals(expected)
    monkeypatch.setattr(exact_dup, "_CHUNK_BYTES", 3000)  # many internal chunks, cut inside texts' runs
    assert dedup_keys(table, CFG).equals(keys)
    assert cluster_duplicates(dedup_keys(shuffled, CFG), CFG).equals(expected)


def test_mark_duplicates_keeps_rows_and_columns() -> None:
    table = docs()
    out = mark_duplicates(table, CFG)
    assert out.column_names == [*table.column_names, "dup_cluster", "is_duplicate", "duplicate_of"]
    assert out.column("id").equals(table.column("id"))
    assert out.column("source").equals(table.column("source"))
    again = mark_duplicates(out, CFG)  # replaces its own columns
    assert again.equals(out)
    assert out.column("is_duplicate").to_pylist().count(True) == 3


def test_incremental_dedup_marks_copies_of_the_previous_release() -> None:
    first = "\n".join(article(SEED_FILES[0]))
    release1 = pa.table({"id": ["r1-first", "r1-other"], "text": [first, "\n".join(article(SEED_FILES[1]))]})
    previous = DedupIndex(dedup_keys(release1, CFG))
    longer = (
        first + "\nA new closing paragraph added by a later crawl of the very same page, with more words."
    )
    release2 = pa.table(
        {
            "id": ["n-longer", "n-windows", "n-exact", "r1-first"],  # r1-first: published again
            "text": [longer, " ".join(sentences()[:9]), first, first],
        }
    )
    result = by_id(cluster_duplicates(dedup_keys(release2, CFG), CFG, previous))
    assert result == {
        "n-exact": ("r1-first", True, "r1-first"),
        "n-longer": ("r1-first", True, "r1-first"),  # longer, but the published document stays the keeper
        "n-windows": (None, False, None),
        "r1-first": ("r1-first", False, None),  # not a copy of itself
    }


def test_keys_under_other_parameters_are_refused() -> None:
    keys = dedup_keys(docs().slice(0, 3), replace(CFG, num_perm=64, bands=12))
    with pytest.raises(ConfigError, match="num_perm=64"):
        cluster_duplicates(keys, CFG)
    with pytest.raises(ConfigError, match="seed=1"):
        cluster_duplicates(
            dedup_keys(docs().slice(0, 3), CFG), CFG, DedupIndex(dedup_keys(docs(), replace(CFG, seed=1)))
        )


def test_config_is_validated() -> None:
    with pytest.raises(ConfigError, match=r"exceeds dedup\.num_perm"):
        DedupConfig(num_perm=64, bands=28, rows=4)
    with pytest.raises(ConfigError, match="threshold"):
        DedupConfig(threshold=0.0)


def test_cross_split_pairs_find_leaks_and_none_when_clusters_stay_together() -> None:
    table = docs()
    pick = {
        i: table.filter(pa.array([x in ids for x in table.column("id").to_pylist()]))
        for i, ids in {
            "train": {"a-first", "b-second", "w03", "w05"},
            "test": {"c-edited", "x-edit-w03", "w08"},
            "validation": {"d-upper", "w10"},
        }.items()
    }
    pairs = find_cross_split_pairs(pick, CFG)
    assert [p[:4] for p in pairs] == [
        ("a-first", "train", "c-edited", "test"),
        ("a-first", "train", "d-upper", "validation"),
        ("w03", "train", "x-edit-w03", "test"),
    ]
    assert pairs[1][4] == 1.0
    assert all(CFG.threshold <= p[4] < 1.0 for p in (pairs[0], pairs[2]))
    marked = mark_duplicates(table, CFG)
    keys = [c or i for c, i in zip(marked["dup_cluster"].to_pylist(), marked["id"].to_pylist(), strict=True)]
    together = {
        name: marked.filter(pa.array([zlib.crc32(k.encode()) % 3 == n for k in keys]))
        for n, name in enumerate("xyz")
    }
    assert find_cross_split_pairs(together, CFG) == []
    # One split (or one with documents) has no pairs across splits, whatever duplicates it holds.
    assert mark_duplicates(table, CFG).column("is_duplicate").to_pylist().count(True) >= 3
    assert find_cross_split_pairs({"train": table}, CFG) == []
    assert find_cross_split_pairs({"train": table, "test": table.slice(0, 0)}, CFG) == []


def test_set_c_pairwise_precision_and_recall() -> None:
    """Set C: extractions of one page by ~30 tools. Scored as ../shared/bench/score_neardup.py does."""
    path = shared_data("data", "neardup", "scrapinghub_extractions.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        rows = [r for r in map(json.loads, stream) if (r.get("text") or "").strip()]
    table = pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})
    got = dict(
        zip(
            *cluster_duplicates(dedup_keys(table, CFG), CFG)
            .select(["id", "dup_cluster"])
            .to_pydict()
            .values(),
            strict=True,
        )
    )
    good = {
        r["id"]
        for r in rows
        if (r["token_precision_vs_gt"] or 0) >= 0.8 and (r["token_recall_vs_gt"] or 0) >= 0.8
    }
    page = {r["id"]: r["cluster_id"] for r in rows}
    positives = sum(n * (n - 1) // 2 for n in collections.Counter(page[i] for i in good).values())
    members = collections.defaultdict(list)
    for doc, cluster in got.items():
        if cluster is not None:
            members[cluster].append(doc)
    tp = fp = 0
    for ids in members.values():
        for x, y in itertools.combinations(ids, 2):
            fp += page[x] != page[y]
            tp += page[x] == page[y] and x in good and y in good
    assert tp / (tp + fp) >= 0.97
    assert tp / positives >= 0.97


def test_empty_batches_give_empty_results() -> None:
    empty = pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())})
    keys = dedup_keys(empty, CFG)
    assert keys.num_rows == 0
    assert keys.schema.field("signature").type == pa.list_(pa.uint32(), CFG.num_perm)
    assert cluster_duplicates(keys, CFG).num_rows == 0
    assert find_cross_split_pairs({"train": empty, "test": empty}, CFG) == []
