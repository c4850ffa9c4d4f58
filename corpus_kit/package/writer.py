"""Write release splits as zstd Parquet shards carrying the `datasets` features metadata."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_kit import schema
from corpus_kit.config import PackageConfig
from corpus_kit.package.naming import shard_name


def release_schema() -> pa.Schema:
    """Return the release schema with the schema version and `huggingface` features metadata.

    `datasets` reads the features back from that metadata key, so `load_dataset` gets the
    exact types (e.g. the `removed_lines` structs), as its own Arrow writer stores them.
    """
    features = schema.release_features()
    metadata = {
        b"huggingface": json.dumps({"info": {"features": features.to_dict()}}, sort_keys=True).encode()
    }
    return schema.with_schema_version(schema.RELEASE.with_metadata(metadata))


class SplitWriter:
    """Write the rows of one split into shards of at most `max_shard_size` bytes of Arrow data."""

    def __init__(self, folder: Path, split: str, cfg: PackageConfig) -> None:
        self.folder, self.split, self.cfg = folder, split, cfg
        self.schema = release_schema()
        self.parts: list[Path] = []
        self.num_examples = 0
        self.num_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self._shard_bytes = 0

    def write(self, table: pa.Table) -> None:
        """Append `table` (release columns) to the current shard, starting a new one when full."""
        table = table.select(self.schema.names).cast(self.schema)
        for batch in table.to_batches(max_chunksize=self.cfg.row_group_size):
            if self._writer is None or self._shard_bytes >= self.cfg.max_shard_size:
                self._open_part()
            assert self._writer is not None
            self._writer.write_batch(batch, row_group_size=self.cfg.row_group_size)
            self._shard_bytes += batch.nbytes
            self.num_bytes += batch.nbytes
            self.num_examples += batch.num_rows

    def _open_part(self) -> None:
        self._close_part()
        part = self.folder / f".{self.split}.part{len(self.parts):05d}.parquet"
        self.parts.append(part)
        self._writer = pq.ParquetWriter(
            part,
            self.schema,
            compression="zstd",
            compression_level=self.cfg.compression_level,
            write_statistics=True,
        )
        self._shard_bytes = 0

    def _close_part(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close(self) -> list[str]:
        """Finish the last shard and rename all parts to their final names; return those names."""
        self._close_part()
        names = []
        for index, part in enumerate(self.parts):
            name = shard_name(self.split, index, len(self.parts))
            (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
            part.rename(self.folder / name)
            names.append(name)
        return names


def write_splits(tables: Iterable[pa.Table], folder: Path, splits: Iterable[str], cfg: PackageConfig) -> dict:
    """Write rows routed by their `split` column; return {split: (shard names, examples, bytes)}."""
    writers = {name: SplitWriter(folder, name, cfg) for name in splits}
    for table in tables:
        for name, writer in writers.items():
            part = table.filter(pc.equal(table.column("split"), name))
            if part.num_rows:
                writer.write(part)
    return {name: (w.close(), w.num_examples, w.num_bytes) for name, w in writers.items() if w.num_examples}
