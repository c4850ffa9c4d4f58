"""Read the datasets `corpus-kit validate` accepts into Arrow tables, one per split.

A corpus-kit release folder (has `manifest.json`; one split per `data/{split}-NNNNN-of-NNNNN.parquet`
group), a Parquet file, a folder of Parquet files, or a JSON Lines file (plain, `.gz` or `.zst`).
Columns are kept as stored: validation judges the data, not what the pipeline says about it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit.errors import InputError

#: Split name of a dataset that is not a release.
SINGLE_SPLIT = "data"

_SHARD = re.compile(r"^(?P<split>.+)-\d{5}-of-\d{5}\.parquet$")

#: One split: a table in memory, or Parquet files read in chunks.
SplitSource = pa.Table | Sequence[Path]


def is_release(path: Path) -> bool:
    """Return True when `path` is a corpus-kit release folder."""
    return path.is_dir() and (path / "manifest.json").is_file()


def read_dataset(path: str | Path) -> dict[str, pa.Table]:
    """Return the splits of the dataset at `path`, in file-name order of their shards."""
    return {
        split: source if isinstance(source, pa.Table) else _read_parquet_files(list(source))
        for split, source in dataset_sources(path).items()
    }


def dataset_sources(path: str | Path) -> dict[str, SplitSource]:
    """Return the splits of the dataset at `path`: Parquet files (not read yet), or a JSONL table."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if is_release(path):
        return release_files(path)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        if not files:
            raise InputError(f"{path}: folder has no .parquet files and no manifest.json")
        return {SINGLE_SPLIT: files}
    name = path.name.lower()
    if name.endswith(".parquet"):
        return {SINGLE_SPLIT: [path]}
    if name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".ndjson")):
        return {SINGLE_SPLIT: read_jsonl_table(path)}
    raise InputError(
        f"{path}: expected a release folder, a .parquet file or folder, or a .jsonl(.gz/.zst) file"
    )


def release_files(path: Path) -> dict[str, list[Path]]:
    """Return the Parquet shards of every split of a release, grouped by the split in their names."""
    groups: dict[str, list[Path]] = {}
    for file in sorted((path / "data").glob("*.parquet")):
        match = _SHARD.match(file.name)
        if match is None:
            raise InputError(f"{file}: shard name does not match {{split}}-NNNNN-of-NNNNN.parquet")
        groups.setdefault(match["split"], []).append(file)
    if not groups:
        raise InputError(f"{path}: release has no data/*.parquet shards")
    return dict(sorted(groups.items()))


def read_release(path: Path) -> dict[str, pa.Table]:
    """Return every split of a release as one table each."""
    return {split: _read_parquet_files(files) for split, files in release_files(path).items()}


def source_schema(source: SplitSource) -> pa.Schema:
    """Return the schema of a split (the Parquet files' schemas unified)."""
    if isinstance(source, pa.Table):
        return source.schema
    try:
        return pa.unify_schemas([pq.read_schema(file) for file in source], promote_options="permissive")
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{source[0].parent}: cannot read the Parquet schemas: {err}") from err


def source_rows(source: SplitSource) -> int:
    """Return the number of rows of a split."""
    if isinstance(source, pa.Table):
        return source.num_rows
    try:
        return sum(pq.read_metadata(file).num_rows for file in source)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{source[0].parent}: cannot read Parquet metadata: {err}") from err


def iter_chunks(
    source: SplitSource, batch_rows: int, columns: Sequence[str] | None = None
) -> Iterator[pa.Table]:
    """Yield a split in chunks of `batch_rows` rows (the last one shorter), all columns or `columns`.

    Parquet files are read batch by batch; a column a file lacks is read as nulls.
    """
    if isinstance(source, pa.Table):
        table = source.select(list(columns)) if columns is not None else source
        for start in range(0, table.num_rows, batch_rows):
            yield table.slice(start, batch_rows)
        return
    pending: list[pa.Table] = []
    for piece in _read_pieces(source, batch_rows, columns):
        pending.append(piece)
        rows = sum(t.num_rows for t in pending)
        if rows >= batch_rows:
            merged = pa.concat_tables(pending).combine_chunks()
            yield merged.slice(0, batch_rows)
            pending = [merged.slice(batch_rows)] if rows > batch_rows else []
    if pending and sum(t.num_rows for t in pending):
        yield pa.concat_tables(pending).combine_chunks()


def _read_pieces(files: Sequence[Path], batch_rows: int, columns: Sequence[str] | None) -> Iterator[pa.Table]:
    schema = source_schema(files)
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    for file in files:
        try:
            parquet = pq.ParquetFile(file)
            present = [name for name in schema.names if name in parquet.schema_arrow.names]
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=present):
                yield _conform(pa.Table.from_batches([batch]), schema)
        except (OSError, pa.ArrowException) as err:
            raise InputError(f"{file}: cannot read Parquet: {err}") from err


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Return `table` with `schema`'s columns in order, missing ones as nulls."""
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


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
