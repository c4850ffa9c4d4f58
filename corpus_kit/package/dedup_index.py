"""The dedup index of a release: the MinHash keys of its documents, for incremental dedup.

One Parquet file (`dedup_index.parquet`) with columns `id`, `n_chars`, `exact_hash` and
`signature` (num_perm x uint32), sorted by id. Its schema metadata holds the index format version
and the parameters the signatures were computed with (`ngram`, `num_perm`, `seed`, folding rule),
so a later build refuses to compare signatures computed under other parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_kit.errors import ReleaseError
from corpus_kit.package.atomic import write_atomic
from corpus_kit.stages.near_dup import KEY_COLUMNS, KEYS_METADATA_KEY, DedupIndex

INDEX_VERSION = "1"
INDEX_VERSION_KEY = b"corpus_kit.dedup_index_version"


ROW_GROUP = 65536


def write_dedup_index(keys: pa.Table | Path, path: Path) -> None:
    """Write the dedup keys of a release to `path` atomically, sorted by id (same keys, same bytes).

    `keys` is a table or a Parquet file of keys. A file already sorted by id is copied a row group at
    a time, without holding the keys in memory.
    """
    if isinstance(keys, Path):
        source = pq.ParquetFile(keys)
        metadata = _index_metadata(source.schema_arrow, path)
        if _sorted_by_id(source):
            _write(metadata, source.schema_arrow, _row_groups(source), Path(path))
            return
        keys = source.read()
    metadata = _index_metadata(keys.schema, path)
    table = keys.take(pc.sort_indices(keys, sort_keys=[("id", "ascending")]))
    _write(metadata, keys.schema, [table], Path(path))


def _index_metadata(schema: pa.Schema, path: Path) -> dict[bytes, bytes]:
    """Return the index's schema metadata; raise `ReleaseError` when `schema` is not dedup keys."""
    missing = [c for c in KEY_COLUMNS if c not in schema.names]
    if missing or KEYS_METADATA_KEY not in (schema.metadata or {}):
        raise ReleaseError(
            f"{path}: dedup keys lack {missing or 'their parameters'}; pass the output of dedup_keys"
        )
    return {KEYS_METADATA_KEY: schema.metadata[KEYS_METADATA_KEY], INDEX_VERSION_KEY: INDEX_VERSION.encode()}


def _sorted_by_id(source: pq.ParquetFile) -> bool:
    """Whether the ids of `source` are strictly ascending (read one batch of the column at a time)."""
    last = None
    for batch in source.iter_batches(columns=["id"]):
        ids = batch.column(0)
        if len(ids) == 0:
            continue
        if ids.null_count or (last is not None and ids[0].as_py() <= last):
            return False
        if len(ids) > 1 and not pc.all(pc.greater(ids[1:], ids[:-1])).as_py():
            return False
        last = ids[-1].as_py()
    return True


def _row_groups(source: pq.ParquetFile) -> Iterator[pa.Table]:
    """Yield the keys of `source` in tables of `ROW_GROUP` rows (the last one shorter).

    Reads one row group of `source` at a time (`iter_batches` held four times the file in memory).
    """
    pending: list[pa.Table] = []
    rows = 0
    for group in range(source.metadata.num_row_groups):
        pending.append(source.read_row_group(group, columns=list(KEY_COLUMNS)))
        rows += pending[-1].num_rows
        while rows >= ROW_GROUP:
            table = pa.concat_tables(pending)
            yield table.slice(0, ROW_GROUP)
            pending = [table.slice(ROW_GROUP)]
            rows = pending[0].num_rows
    if rows:
        yield pa.concat_tables(pending)


def _write(metadata: dict[bytes, bytes], schema: pa.Schema, tables: Iterable[pa.Table], path: Path) -> None:
    fields = [schema.field(c) for c in KEY_COLUMNS]
    # The child of `signature` is named as a Parquet round trip names it, so keys from memory and
    # keys read back from a file give the same bytes.
    signature = fields[-1].type
    fields[-1] = fields[-1].with_type(
        pa.list_(pa.field("element", signature.value_type), signature.list_size)
    )
    out_schema = pa.schema(fields, metadata=metadata)

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, out_schema, compression="zstd", store_schema=True) as writer:
            for table in tables:
                writer.write_table(table.select(list(KEY_COLUMNS)).cast(out_schema), row_group_size=ROW_GROUP)

    write_atomic(path, write)


def read_dedup_index(path: Path) -> DedupIndex:
    """Read a release's dedup index; raise `ReleaseError` if it is missing or of another format."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except FileNotFoundError as err:
        raise ReleaseError(f"{path}: dedup index not found; was the release built by corpus-kit?") from err
    except pa.ArrowInvalid as err:
        raise ReleaseError(f"{path}: not a readable Parquet dedup index: {err}") from err
    metadata = table.schema.metadata or {}
    version = metadata.get(INDEX_VERSION_KEY, b"").decode()
    if version != INDEX_VERSION:
        raise ReleaseError(
            f"{path}: dedup index version {version or 'missing'!r}, expected {INDEX_VERSION!r}"
        )
    missing = [c for c in KEY_COLUMNS if c not in table.column_names]
    if missing or KEYS_METADATA_KEY not in metadata:
        raise ReleaseError(f"{path}: dedup index lacks {missing or 'its parameters'}")
    try:
        json.loads(metadata[KEYS_METADATA_KEY])
    except ValueError as err:
        raise ReleaseError(f"{path}: dedup index parameters are not valid JSON: {err}") from err
    return DedupIndex(table)
