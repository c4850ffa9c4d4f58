"""Dedup keys a build's dedup stage computed are looked up by the duplicate checks instead of hashing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from corpus_kit.builder import build
from corpus_kit.config import DedupConfig, load_config
from corpus_kit.stages.near_dup import dedup_keys
from corpus_kit.validation import checks, context, validate_path, validate_splits
from corpus_kit.validation.context import KnownKeys
from tests.validation.corpora import near_copy, one_split_build, release_table, seed_paragraphs
from tests.validation.test_chunked import _outcome

EXACT = "expect_column_values_to_not_be_exact_duplicates"
NEAR = "expect_column_values_to_not_be_near_duplicates"
LEAK = "expect_column_pair_values_to_not_leak_across_splits"


def _splits() -> dict[str, pa.Table]:
    """Two release splits with an exact copy and a near copy within `train` and a near copy across."""
    paragraphs = seed_paragraphs()
    train = [*paragraphs[:10], paragraphs[2].upper(), near_copy(paragraphs[4])]
    test = [*paragraphs[10:14], near_copy(paragraphs[6])]
    return {"train": release_table(train, "train", "tr"), "test": release_table(test, "test", "te")}


def _validate(splits: dict[str, pa.Table], keys: list[KnownKeys] | None = None):
    return validate_splits(splits, "release", batch_rows=5, workers=1, keys=keys or [])


def _keys(splits: dict[str, pa.Table], cfg: DedupConfig) -> pa.Table:
    return pa.concat_tables([dedup_keys(t, cfg) for t in splits.values()])


def _duplicate_results(report) -> list[tuple]:
    kinds = (EXACT, NEAR, LEAK)
    return [
        row for row, r in zip(_outcome(report), report.results, strict=True) if r.expectation_type in kinds
    ]


def _not_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make hashing the text in a check fail, so only looked-up keys can give results."""
    monkeypatch.setattr(checks, "dedup_keys_of", None)
    monkeypatch.setattr(context, "exact_hashes", None)


@pytest.mark.parametrize("as_file", [False, True])
def test_known_keys_give_the_hashed_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_file: bool
) -> None:
    splits = _splits()
    hashed = _validate(splits)
    keys: pa.Table | Path = _keys(splits, DedupConfig())
    if as_file:  # a build's keys file: sorted by id, in small row groups
        pq.write_table(keys.sort_by("id"), tmp_path / "keys.parquet", row_group_size=3)
        keys = tmp_path / "keys.parquet"
    with monkeypatch.context() as patched:
        _not_hashed(patched)
        known = _validate(splits, [KnownKeys("text", keys, DedupConfig())])
    found = {
        (r.split, r.expectation_type): r.unexpected_count
        for r in hashed.results
        if r.expectation_type in (EXACT, NEAR, LEAK)
    }
    # The copies are found (so the comparison below means something): the exact copy is a near one too.
    assert found == {
        ("train", EXACT): 1,
        ("train", NEAR): 2,
        ("test", EXACT): 0,
        ("test", NEAR): 0,
        ("*", LEAK): 2,
    }
    assert _duplicate_results(known) == _duplicate_results(hashed)
    assert _outcome(known) == _outcome(hashed)


def test_keys_of_other_settings_or_columns_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    splits = _splits()
    other = DedupConfig(num_perm=128, bands=25)
    hashed = _duplicate_results(_validate(splits))
    for known in (
        KnownKeys("text", _keys(splits, other), other),
        KnownKeys("title", _keys(splits, DedupConfig()), DedupConfig()),
    ):
        assert _duplicate_results(_validate(splits, [known])) == hashed
    # Keys of other MinHash parameters would cluster wrongly: the near and leak checks hash the
    # text (here, failing), while the exact hash, the same under any parameters, is read.
    with monkeypatch.context() as patched:
        _not_hashed(patched)
        report = _validate(splits, [KnownKeys("text", _keys(splits, other), other)])
    assert {r.expectation_type for r in report.results if r.exception} == {NEAR, LEAK}


def test_a_row_without_known_keys_is_an_error_not_a_pass() -> None:
    splits = _splits()
    keys = _keys(splits, DedupConfig())
    keys = keys.filter(pc.not_equal(keys.column("id"), "te-3"))
    report = _validate(splits, [KnownKeys("text", keys, DedupConfig())])
    failed = {r.expectation_type: r.exception for r in report.results if r.exception}
    assert set(failed) == {EXACT, NEAR, LEAK}
    assert all("te-3" in message for message in failed.values())
    assert report.error


def test_build_validation_reads_its_keys_and_equals_a_standalone_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = seed_paragraphs()[:12]
    docs = [*paragraphs, paragraphs[3].upper(), near_copy(paragraphs[5])]  # dedup removes both copies
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(docs)]
    with monkeypatch.context() as patched:
        _not_hashed(patched)  # the build's own keys: no hashing of the release rows
        report = build(load_config(None, one_split_build(tmp_path, records)))
    assert report.stats.documents_in == 14 and sum(s.num_examples for s in report.stats.splits) == 12
    standalone = validate_path(report.release)
    assert _outcome(report.validation) == _outcome(standalone)
    assert dataclasses.asdict(report.validation)["results"] == dataclasses.asdict(standalone)["results"]
