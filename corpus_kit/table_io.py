"""Read and write whole tables as `.parquet` or `.jsonl` (optionally `.gz`), chosen by extension.

Used by the single-stage commands (`clean`, `langid`, `dedup`, `ingest`), which keep every column
of their input.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit.errors import ConfigError, InputError, SchemaError
from corpus_kit.package.atomic import write_atomic

_FORMATS = (".parquet", ".jsonl", ".jsonl.gz")


def _format(path: Path) -> str:
    name = path.name.lower()
    for suffix in _FORMATS:
        if name.endswith(suffix):
            return suffix
    raise ConfigError(f"{path}: unsupported file type; use one of {', '.join(_FORMATS)}")


def read_table(path: str | Path, required: tuple[str, ...] = ("id", "text")) -> pa.Table:
    """Read a `.parquet` or `.jsonl[.gz]` file into a table that has the `required` columns."""
    path = Path(path)
    kind = _format(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if kind == ".parquet":
            table = pq.read_table(path)
        else:
            opener = gzip.open if kind == ".jsonl.gz" else open
            with opener(path, "rt", encoding="utf-8") as stream:
                rows = [json.loads(line) for line in stream if line.strip()]
            table = _rows_table(path, rows)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise InputError(f"{path}: cannot read: {err}") from err
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {missing}; columns are {table.column_names}")
    return table


def _rows_table(path: Path, rows: list) -> pa.Table:
    """A table of JSON objects with a column for every key of any row (missing values are null)."""
    keys: dict[str, None] = {}
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(f"{path}: record {number} is not a JSON object")
        keys.update(dict.fromkeys(row))
    return pa.table({key: pa.array([row.get(key) for row in rows]) for key in keys})


def write_table(table: pa.Table, path: str | Path) -> None:
    """Write `table` atomically to a `.parquet` or `.jsonl[.gz]` file."""
    path = Path(path)
    kind = _format(path)
    if kind == ".parquet":
        write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
        return
    lines = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in table.to_pylist())

    def write(tmp: Path) -> None:
        if kind == ".jsonl.gz":
            with gzip.GzipFile(tmp, "wb", mtime=0) as stream:
                stream.write(lines.encode())
        else:
            tmp.write_text(lines, encoding="utf-8")

    write_atomic(path, write)
