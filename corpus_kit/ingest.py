"""Ingest: loaders + normalization, producing batches of `schema.INGESTED` and their rejects.

Ids: the input's own id when it has one (JSONL/Parquet `id_key`), else the file's path inside
its input folder without extension (one-document files), else `<source>#<record>`. Ids never
depend on row order. A repeated id keeps the first record; the later one is rejected.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
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


#: Text of a record after extraction and normalization ("" when none), the reason detail when
#: HTML gave no main text, and the normalized title.
Prepared = tuple[str, str | None, str | None]

#: Records per `prepare_records` call: small enough that slow HTML pages spread over the workers.
PREPARE_CHUNK = 64

#: Runs a function over items and yields the results in order (`map`, or a process pool's).
OrderedMap = Callable[
    [Callable[[list[Record]], list[Prepared]], Iterable[list[Record]]], Iterable[list[Prepared]]
]


def prepare_records(records: list[Record]) -> list[Prepared]:
    """Extract (HTML) and normalize the text and title of each record: the costly, per-record part."""
    from corpus_kit.loaders.html import extract_main_text

    prepared: list[Prepared] = []
    for item in records:
        problem = None
        raw = item.text
        if raw is None:
            raw = extract_main_text(item.html or "", item.url)
            problem = None if raw else "no main text found in the HTML"
        title = normalize_text(item.title) if item.title else None
        prepared.append((normalize_text(raw) if raw else "", problem, title or None))
    return prepared


def _record_chunks(
    records: Iterable[Record | Reject], size: int
) -> Iterator[tuple[list[Record | Reject], list[Record]]]:
    """Cut `records` into chunks of `size` documents, each with the rejects read among them."""
    items: list[Record | Reject] = []
    docs: list[Record] = []
    for item in records:
        items.append(item)
        if isinstance(item, Record):
            docs.append(item)
            if len(docs) >= size:
                yield items, docs
                items, docs = [], []
    if items:
        yield items, docs


def ingest_records(
    records: Iterable[Record | Reject], batch_size: int = 1024, ordered_map: OrderedMap = map
) -> Iterator[IngestBatch]:
    """Normalize `records` into batches; assign ids; reject empty texts and repeated ids.

    `ordered_map` runs `prepare_records` over chunks of records (e.g. `WorkerPool.map_ordered`, so
    HTML extraction and normalization use all cores); ids and rejects are decided here, in input
    order, so the batches are the same for any `ordered_map`.
    """
    seen: set[str] = set()
    rows: list[dict] = []
    rejects: list[Reject] = []
    pending: deque[list[Record | Reject]] = deque()

    def documents() -> Iterator[list[Record]]:
        for items, docs in _record_chunks(records, PREPARE_CHUNK):
            pending.append(items)
            yield docs

    for prepared in ordered_map(prepare_records, documents()):
        results = iter(prepared)
        for item in pending.popleft():
            if isinstance(item, Reject):
                rejects.append(item)
                continue
            text, problem, title = next(results)
            doc_id = item.id or f"{item.source}#{item.record}"
            if doc_id in seen:
                rejects.append(
                    Reject(item.source, item.record, schema.REJECT_DUPLICATE_ID, "id seen before", doc_id)
                )
                continue
            if not text:
                reason = schema.REJECT_NO_CONTENT if problem else schema.REJECT_EMPTY
                detail = problem or "no text after normalization"
                rejects.append(Reject(item.source, item.record, reason, detail, doc_id))
                continue
            seen.add(doc_id)
            rows.append(
                {
                    "id": doc_id,
                    "text": text,
                    "source": item.source,
                    "record": item.record,
                    "url": item.url,
                    "title": title,
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
