"""Ingest: loaders + normalization, producing batches of `schema.INGESTED` and their rejects.

Ids: the input's own id when it has one (JSONL/Parquet `id_key`), else the file's path inside
its input folder without extension (one-document files), else `<source>#<record>`. Ids never
depend on row order. A repeated id keeps the first record; the later one is rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from corpus_kit import schema
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.stages.normalize import normalize_text


@dataclass
class IngestBatch:
    """Documents of one batch and the records rejected while reading them."""

    table: pa.Table
    rejects: list[Reject] = field(default_factory=list)

    def rejects_table(self) -> pa.Table:
        """Return the rejects as a `schema.REJECT` table."""
        return rejects_table(self.rejects)


def _text_of(item: Record) -> tuple[str | None, str | None]:
    """Return (text, None) or (None, reason detail) for a record, extracting HTML when needed."""
    if item.text is not None:
        return item.text, None
    from corpus_kit.loaders.html import extract_main_text

    text = extract_main_text(item.html or "", item.url)
    return (text, None) if text else (None, "no main text found in the HTML")


def ingest_records(records: Iterable[Record | Reject], batch_size: int = 1024) -> Iterator[IngestBatch]:
    """Normalize `records` into batches; assign ids; reject empty texts and repeated ids."""
    seen: set[str] = set()
    rows: list[dict] = []
    rejects: list[Reject] = []
    for item in records:
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        doc_id = item.id or f"{item.source}#{item.record}"
        raw, problem = _text_of(item)
        text = normalize_text(raw) if raw is not None else ""
        if doc_id in seen:
            rejects.append(
                Reject(item.source, item.record, schema.REJECT_DUPLICATE_ID, "id seen before", doc_id)
            )
            continue
        if not text:
            reason = schema.REJECT_NO_CONTENT if problem else schema.REJECT_EMPTY
            rejects.append(
                Reject(item.source, item.record, reason, problem or "no text after normalization", doc_id)
            )
            continue
        seen.add(doc_id)
        title = normalize_text(item.title) if item.title else None
        rows.append(
            {
                "id": doc_id,
                "text": text,
                "source": item.source,
                "record": item.record,
                "url": item.url,
                "title": title or None,
            }
        )
        if len(rows) >= batch_size:
            yield IngestBatch(pa.Table.from_pylist(rows, schema.INGESTED), rejects)
            rows, rejects = [], []
    if rows or rejects:
        yield IngestBatch(pa.Table.from_pylist(rows, schema.INGESTED), rejects)


def rejects_table(rejects: Iterable[Reject]) -> pa.Table:
    """Return rejects as a `schema.REJECT` table."""
    rows = [
        {"source": r.source, "record": r.record, "id": r.id, "reason": r.reason, "detail": r.detail}
        for r in rejects
    ]
    return pa.Table.from_pylist(rows, schema.REJECT)
