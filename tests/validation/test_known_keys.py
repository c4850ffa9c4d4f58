"""Dedup keys a build computed itself are looked up by the duplicate checks instead of hashed again."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_kit.builder import build
from corpus_kit.config import DedupConfig, load_config
from corpus_kit.stages.near_dup import dedup_keys
from corpus_kit.validation import checks, validate_path, validate_splits
from corpus_kit.validation.context import KnownKeys
from tests.validation.corpora import near_copy, seed_paragraphs, table
from tests.validation.test_chunked import _outcome

EXACT = "expect_column_values_to_not_be_exact_duplicates"
NEAR = "expect_column_values_to_not_be_near_duplicates"


def _unexpected(report, kind: str) -> int:
    return sum(r.unexpected_count for r in report.results if r.expectation_type == kind)


def test_keys_are_looked_up_instead_of_hashed() -> None:
    # Ten different paragraphs, whose keys say rows 1 and 2 are copies of row 0 and row 4 a near
    # copy of row 3: only checks that read the keys can find them.
    texts = seed_paragraphs()[:10]
    splits = {"train": table(texts)}
    claimed = [texts[0], texts[0], texts[0], texts[3], near_copy(texts[3]), *texts[5:]]
    keys = dedup_keys(pa.table({"id": [f"doc-{i}" for i in range(10)], "text": claimed}), DedupConfig())
    known = validate_splits(splits, "corpus", keys=KnownKeys("text", "id", keys))
    hashed = validate_splits(splits, "corpus")
    assert (_unexpected(known, EXACT), _unexpected(known, NEAR)) == (2, 3)
    assert (_unexpected(hashed, EXACT), _unexpected(hashed, NEAR)) == (0, 0)


def test_keys_of_other_parameters_serve_only_the_exact_check(tmp_path: Path) -> None:
    texts = seed_paragraphs()[:10]
    splits = {"train": table(texts)}
    claimed = [texts[0]] * 10
    keys = dedup_keys(
        pa.table({"id": [f"doc-{i}" for i in range(10)], "text": claimed}),
        DedupConfig(num_perm=128, bands=25, rows=5),
    )
    pq.write_table(keys, tmp_path / "keys.parquet")  # a file serves as a table does
    report = validate_splits(splits, "corpus", keys=KnownKeys("text", "id", tmp_path / "keys.parquet"))
    # Exact hashes do not depend on the MinHash parameters; the signatures are not comparable.
    assert (_unexpected(report, EXACT), _unexpected(report, NEAR)) == (9, 0)


def test_a_row_without_keys_is_an_error() -> None:
    texts = seed_paragraphs()[:6]
    keys = dedup_keys(pa.table({"id": [f"doc-{i}" for i in range(5)], "text": texts[:5]}), DedupConfig())
    report = validate_splits({"train": table(texts)}, "corpus", keys=KnownKeys("text", "id", keys))
    assert report.error
    assert any("no dedup key for the row with id 'doc-5'" in (r.exception or "") for r in report.results)


def test_build_validation_looks_up_its_keys_and_equals_a_standalone_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = seed_paragraphs()[:30]
    docs += [docs[2], near_copy(docs[7])]  # an exact and a near copy: rejected by the build's dedup
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(docs)))
    overrides = {
        "input.paths": [str(source)],
        "quality.enabled": False,  # single paragraphs: too short for the quality rules
        "splits.ratios": {"train": 0.7, "test": 0.3},
        "package.output_dir": str(tmp_path / "out"),
        "engine.workers": 1,
    }
    with monkeypatch.context() as patched:  # the build's own keys: no hashing of the release rows
        patched.setattr(checks, "dedup_keys_of", None)
        patched.setattr("corpus_kit.validation.context.exact_hashes", None)
        report = build(load_config(None, overrides))
    assert report.stats.rejects_by_reason == {"exact_duplicate": 1, "near_duplicate": 1}
    standalone = validate_path(report.release)
    # The same results; the build lists its splits in the config's order, a release in name order.
    assert sorted(_outcome(report.validation), key=repr) == sorted(_outcome(standalone), key=repr)
    results = [dataclasses.asdict(r) for r in report.validation.results]
    assert sorted(results, key=repr) == sorted(map(dataclasses.asdict, standalone.results), key=repr)
