"""Loader for Parquet files: one document per row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit import schema
from corpus_kit.config import LoaderConfig
from corpus_kit.errors import InputError
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.fields import record_from_object


def read_parquet(path: Path, source: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    """Yield one `Record` per row of `path` (`record` is the 0-based row number)."""
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as err:
        raise InputError(f"{path}: not a readable Parquet file: {err}") from err
    wanted = [cfg.id_key, cfg.text_key, cfg.url_key, cfg.title_key, cfg.html_key]
    columns = [c for c in dict.fromkeys(wanted) if c in parquet.schema_arrow.names]
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=1024, columns=columns):
            for obj in batch.to_pylist():
                yield record_from_object(obj, source, row, cfg)
                row += 1
    except (OSError, pa.ArrowException) as err:
        yield Reject(source, row, schema.REJECT_TRUNCATED, f"damaged Parquet data after row {row}: {err}")
