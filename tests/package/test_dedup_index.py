"""Tests of the release dedup index: round trip, deterministic bytes, refusal of foreign files."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_kit.config import DedupConfig
from corpus_kit.errors import ConfigError, ReleaseError
from corpus_kit.package import dedup_index
from corpus_kit.package.dedup_index import INDEX_VERSION_KEY, read_dedup_index, write_dedup_index
from corpus_kit.stages.near_dup import cluster_duplicates, dedup_keys
from tests.conftest import SEEDS

CFG = DedupConfig()


def seed_table() -> pa.Table:
    """One document per article line of the two seed pages, plus a copy of the first line."""
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").split("\n") if len(line.split()) >= 12]
    texts = [*lines, lines[0].upper()]
    return pa.table({"id": [f"doc{i:03d}" for i in range(len(texts))], "text": texts})


def test_round_trip_keeps_keys_sorted_by_id(tmp_path: Path) -> None:
    keys = dedup_keys(seed_table(), CFG)
    order = list(range(keys.num_rows))
    random.Random(3).shuffle(order)
    write_dedup_index(keys.take(order), tmp_path / "dedup_index.parquet")
    index = read_dedup_index(tmp_path / "dedup_index.parquet")
    assert index.keys.select(["id", "n_chars", "exact_hash", "signature"]).equals(keys)
    assert index.params == {"fold_version": 2, "ngram": 2, "num_perm": 256, "seed": 0}
    assert index.keys.schema.field("signature").type == pa.list_(pa.uint32(), 256)


def test_same_keys_give_the_same_bytes(tmp_path: Path) -> None:
    keys = dedup_keys(seed_table(), CFG)
    write_dedup_index(keys, tmp_path / "a.parquet")
    write_dedup_index(keys.take(list(reversed(range(keys.num_rows)))), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]  # no temporary left


def test_keys_file_gives_the_same_bytes_as_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Index row groups of 7 rows from files whose row groups of 5 do not line up with them.
    monkeypatch.setattr(dedup_index, "ROW_GROUP", 7)
    keys = dedup_keys(seed_table(), CFG)
    assert keys.num_rows > 2 * 7
    write_dedup_index(keys, tmp_path / "from_table.parquet")
    pq.write_table(keys, tmp_path / "sorted_keys.parquet", row_group_size=5)
    shuffled = keys.take(list(reversed(range(keys.num_rows))))
    pq.write_table(shuffled, tmp_path / "shuffled_keys.parquet", row_group_size=5)
    expected = (tmp_path / "from_table.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "from_table.parquet").metadata.num_row_groups == -(-keys.num_rows // 7)
    for name in ("sorted_keys", "shuffled_keys"):
        write_dedup_index(tmp_path / f"{name}.parquet", tmp_path / f"{name}_index.parquet")
        assert (tmp_path / f"{name}_index.parquet").read_bytes() == expected


def test_previous_index_makes_new_copies_duplicates(tmp_path: Path) -> None:
    table = seed_table()
    write_dedup_index(dedup_keys(table.slice(0, 10), CFG), tmp_path / "dedup_index.parquet")
    previous = read_dedup_index(tmp_path / "dedup_index.parquet")
    new = pa.table(
        {
            "id": ["new-a", "new-b"],
            "text": [table["text"][3].as_py() + " Updated.", table["text"][20].as_py()],
        }
    )
    result = cluster_duplicates(dedup_keys(new, CFG), CFG, previous).to_pylist()
    assert result == [
        {"id": "new-a", "dup_cluster": "doc003", "is_duplicate": True, "duplicate_of": "doc003"},
        {"id": "new-b", "dup_cluster": None, "is_duplicate": False, "duplicate_of": None},
    ]
    with pytest.raises(ConfigError, match=r"ngram=2 \(config: 5\)"):
        cluster_duplicates(dedup_keys(new, replace(CFG, ngram=5)), replace(CFG, ngram=5), previous)


def test_foreign_or_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="not found"):
        read_dedup_index(tmp_path / "missing.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(ReleaseError, match="not a readable Parquet"):
        read_dedup_index(tmp_path / "junk.parquet")
    keys = dedup_keys(seed_table(), CFG)
    write_dedup_index(keys, tmp_path / "old.parquet")
    table = pq.read_table(tmp_path / "old.parquet")
    pq.write_table(
        table.replace_schema_metadata({**table.schema.metadata, INDEX_VERSION_KEY: b"0"}),
        tmp_path / "v0.parquet",
    )
    with pytest.raises(ReleaseError, match="version '0'"):
        read_dedup_index(tmp_path / "v0.parquet")
    with pytest.raises(ReleaseError, match="lack"):
        write_dedup_index(keys.drop_columns(["signature"]), tmp_path / "bad.parquet")
