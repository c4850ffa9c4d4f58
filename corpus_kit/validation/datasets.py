"""Read the datasets `corpus-kit validate` accepts into Arrow tables, one per split.

A corpus-kit release folder (has `manifest.json`; one split per `data/{split}-NNNNN-of-NNNNN.parquet`
group), a Parquet file, a folder of Parquet files, or a JSON Lines file (plain, `.gz` or `.zst`).
Columns are kept as stored: validation judges the data, not what the pipeline says about it.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit.errors import InputError

#: Split name of a dataset that is not a release.
SINGLE_SPLIT = "data"

_SHARD = re.compile(r"^(?P<split>.+)-\d{5}-of-\d{5}\.parquet$")


def is_release(path: Path) -> bool:
    """Return True when `path` is a corpus-kit release folder."""
    return path.is_dir() and (path / "manifest.json").is_file()


def read_dataset(path: str | Path) -> dict[str, pa.Table]:
    """Return the splits of the dataset at `path`, in file-name order of their shards."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if is_release(path):
        return read_release(path)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        if not files:
            raise InputError(f"{path}: folder has no .parquet files and no manifest.json")
        return {SINGLE_SPLIT: _read_parquet_files(files)}
    name = path.name.lower()
    if name.endswith(".parquet"):
        return {SINGLE_SPLIT: _read_parquet_files([path])}
    if name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".ndjson")):
        return {SINGLE_SPLIT: read_jsonl_table(path)}
    raise InputError(
        f"{path}: expected a release folder, a .parquet file or folder, or a .jsonl(.gz/.zst) file"
    )


def read_release(path: Path) -> dict[str, pa.Table]:
    """Return every split of a release, grouping `data/` shards by the split in their names."""
    groups: dict[str, list[Path]] = {}
    for file in sorted((path / "data").glob("*.parquet")):
        match = _SHARD.match(file.name)
        if match is None:
            raise InputError(f"{file}: shard name does not match {{split}}-NNNNN-of-NNNNN.parquet")
        groups.setdefault(match["split"], []).append(file)
    if not groups:
        raise InputError(f"{path}: release has no data/*.parquet shards")
    return {split: _read_parquet_files(files) for split, files in sorted(groups.items())}


def _read_parquet_files(files: list[Path]) -> pa.Table:
    tables = []
    for file in files:
        try:
            tables.append(pq.read_table(file))
        except (OSError, pa.ArrowException) as err:
            raise InputError(f"{file}: cannot read Parquet: {err}") from err
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowException as err:
        raise InputError(f"{files[0].parent}: Parquet files have incompatible schemas: {err}") from err


def _open_text(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    if name.endswith(".zst"):
        import zstandard

        return zstandard.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def read_jsonl_table(path: Path) -> pa.Table:
    """Return the objects of a JSON Lines file as a table; nested values are kept as JSON strings."""
    rows: list[dict] = []
    lineno = 0
    try:
        with _open_text(path) as stream:
            for lineno, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise InputError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
                rows.append(obj)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{lineno}: not valid JSON: {err.msg}") from err
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise InputError(f"{path}:{lineno}: cannot read: {err}") from err
    columns: dict[str, list] = {}
    for index, row in enumerate(rows):
        for key in row:
            columns.setdefault(key, [None] * index)
        for key, values in columns.items():
            value = row.get(key)
            values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    try:
        return pa.table({key: pa.array(values) for key, values in columns.items()})
    except pa.ArrowException as err:
        raise InputError(f"{path}: a field has values of mixed types: {err}") from err
