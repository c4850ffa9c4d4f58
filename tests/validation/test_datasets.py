"""Reading what `corpus-kit validate` accepts: releases, Parquet files and folders, JSONL."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_kit.errors import InputError
from corpus_kit.validation.datasets import dataset_sources, iter_chunks, read_dataset, source_rows
from tests.validation.corpora import release_table, seed_paragraphs, table, write_release


def test_release_splits_from_shard_names(tmp_path: Path) -> None:
    texts = seed_paragraphs()
    root = write_release(tmp_path / "r", {"train": release_table(texts[:5], "train", "tr")})
    pq.write_table(release_table(texts[5:7], "train", "tr2"), root / "data" / "train-00001-of-00002.parquet")
    pq.write_table(
        release_table(texts[7:8], "validation", "va"), root / "data" / "validation-00000-of-00001.parquet"
    )
    splits = read_dataset(root)
    assert {name: t.num_rows for name, t in splits.items()} == {"train": 7, "validation": 1}
    assert splits["train"].column("id").to_pylist() == [
        "tr-0",
        "tr-1",
        "tr-2",
        "tr-3",
        "tr-4",
        "tr2-0",
        "tr2-1",
    ]


def test_release_with_a_foreign_shard_name_is_refused(tmp_path: Path) -> None:
    root = write_release(tmp_path / "r", {"train": release_table(seed_paragraphs()[:2], "train", "tr")})
    pq.write_table(table(["x"]), root / "data" / "extra.parquet")
    with pytest.raises(InputError, match=r"extra.parquet: shard name does not match"):
        read_dataset(root)


def test_jsonl_gz_keeps_fields_and_nests_as_json(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"id": "a", "text": "one"}) + "\n\n")
        out.write(json.dumps({"id": "b", "text": "two", "meta": {"k": 1}}) + "\n")
    [(name, data)] = read_dataset(path).items()
    assert name == "data"
    assert data.to_pylist() == [
        {"id": "a", "text": "one", "meta": None},
        {"id": "b", "text": "two", "meta": '{"k": 1}'},
    ]


def test_bad_inputs_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):
        read_dataset(bad)
    with pytest.raises(InputError, match=r"nothing: no such file or folder"):
        read_dataset(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"folder has no .parquet files and no manifest.json"):
        read_dataset(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"expected a release folder, a .parquet file or folder"):
        read_dataset(tmp_path / "notes.txt")


def test_chunks_span_files_in_row_order_and_fill_missing_columns(tmp_path: Path) -> None:
    sizes = [5, 3, 4]
    files = []
    for index, size in enumerate(sizes):
        rows = {
            "id": [f"f{index}-{i}" for i in range(size)],
            "text": [f"text {index} {i}" for i in range(size)],
        }
        if index != 1:
            rows["url"] = [f"https://example.com/{index}/{i}" for i in range(size)]
        files.append(tmp_path / f"{index}.parquet")
        pq.write_table(pa.table(rows), files[-1])
    [(split, source)] = dataset_sources(tmp_path).items()
    assert (split, source, source_rows(source)) == ("data", files, 12)
    chunks = list(iter_chunks(source, 4))
    assert [c.num_rows for c in chunks] == [4, 4, 4]
    whole = pa.concat_tables(chunks)
    assert whole.column("id").to_pylist() == [f"f{f}-{i}" for f, n in enumerate(sizes) for i in range(n)]
    assert whole.column("url").null_count == 3
    assert [c.column_names for c in iter_chunks(source, 10, ["text"])] == [["text"], ["text"]]
