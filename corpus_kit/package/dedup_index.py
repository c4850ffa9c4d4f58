"""The dedup index of a release: the MinHash keys of its documents, for incremental dedup.

One Parquet file (`dedup_index.parquet`) with columns `id`, `n_chars`, `exact_hash` and
`signature` (num_perm x uint32), sorted by id. Its schema metadata holds the index format version
and the parameters the signatures were computed with (`ngram`, `num_perm`, `seed`, folding rule),
so a later build refuses to compare signatures computed under other parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_kit.errors import ReleaseError
from corpus_kit.package.atomic import write_atomic
from corpus_kit.stages.near_dup import KEY_COLUMNS, KEYS_METADATA_KEY, DedupIndex

INDEX_VERSION = "1"
INDEX_VERSION_KEY = b"corpus_kit.dedup_index_version"


def write_dedup_index(keys: pa.Table, path: Path) -> None:
    """Write the dedup keys of a release to `path` atomically, sorted by id (same keys, same bytes)."""
    missing = [c for c in KEY_COLUMNS if c not in keys.column_names]
    if missing or KEYS_METADATA_KEY not in (keys.schema.metadata or {}):
        raise ReleaseError(
            f"{path}: dedup keys lack {missing or 'their parameters'}; pass the output of dedup_keys"
        )
    table = keys.select(list(KEY_COLUMNS))
    table = table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))
    metadata = {
        KEYS_METADATA_KEY: keys.schema.metadata[KEYS_METADATA_KEY],
        INDEX_VERSION_KEY: INDEX_VERSION.encode(),
    }
    table = table.replace_schema_metadata(metadata)
    write_atomic(
        Path(path),
        lambda tmp: pq.write_table(table, tmp, compression="zstd", row_group_size=65536, store_schema=True),
    )


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
