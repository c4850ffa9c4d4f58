"""Ingest: loaders + normalization, producing batches of `schema.INGESTED` and their rejects.

Ids: the input's own id when it has one (JSONL/Parquet `id_key`), else the file's path inside
its input folder without extension (one-document files), else `<source>#<record>`. Ids never
depend on row order. A repeated id keeps the first record; the later one is rejected.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

from corpus_kit import schema
from corpus_kit.errors import SchemaError
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.stages.normalize import normalize_text
from corpus_kit.tables import set_column


@dataclass
class IngestBatch:
    """Documents of one batch and the records rejected while reading them."""

    table: pa.Table
    rejects: list[Reject] = field(default_factory=list)

    def rejects_table(self) -> pa.Table:
        """Return the rejects as a `schema.REJECT` table."""
        return rejects_table(self.rejects)


class Prepared(NamedTuple):
    """A record after extraction and normalization."""

    text: str  # "" when there is none
    problem: str | None  # why an HTML page gave no text
    title: str | None
    main_text_share: list[float] | None  # HTML pages: per line of `text` (`html_lines.main_text_shares`)


#: Records per `prepare_records` call: small enough that slow HTML pages spread over the workers.
PREPARE_CHUNK = 64

#: Runs a function over items and yields the results in order (`map`, or a process pool's).
OrderedMap = Callable[
    [Callable[[list[Record]], list[Prepared]], Iterable[list[Record]]], Iterable[list[Prepared]]
]


def prepare_records(records: list[Record]) -> list[Prepared]:
    """Extract (HTML) and normalize the text and title of each record: the costly, per-record part."""
    prepared: list[Prepared] = []
    for item in records:
        title = (normalize_text(item.title) or None) if item.title else None
        if item.text is not None:
            prepared.append(Prepared(normalize_text(item.text), None, title, None))
        else:
            prepared.append(_prepare_html(item.html or "", item.url, title))
    return prepared


def _prepare_html(page: str, url: str | None, title: str | None) -> Prepared:
    """The page's visible lines, each with its share in trafilatura's main text (0 where it found none)."""
    from corpus_kit.loaders.html_lines import page_shares, visible_lines

    text = normalize_text("\n".join(visible_lines(page)))
    if not text:
        return Prepared("", "no visible text in the HTML", title, None)
    return Prepared(text, None, title, page_shares(text.split("\n"), page, url))


def extract_html_rows(table: pa.Table) -> pa.Table:
    """Give rows of `table` without `text` the text of their `html` (the HTML path of ingest).

    Such rows get the page's visible lines as `text` and their `main_text_share`; the other rows
    keep theirs. A row with neither text nor html is a `SchemaError` naming its id.
    """
    texts = table.column("text").to_pylist() if "text" in table.column_names else [None] * table.num_rows
    pages = table.column("html").to_pylist() if "html" in table.column_names else [None] * table.num_rows
    if all(text is not None for text in texts):
        return table
    urls = table.column("url").to_pylist() if "url" in table.column_names else [None] * table.num_rows
    if "main_text_share" in table.column_names:
        shares = table.column("main_text_share").to_pylist()
    else:
        shares = [None] * table.num_rows
    for row, (text, page) in enumerate(zip(texts, pages, strict=True)):
        if text is None:
            if page is None:
                name = table.column("id")[row].as_py() if "id" in table.column_names else f"row {row}"
                raise SchemaError(f"document {name!r} has neither text nor html")
            texts[row], _, _, shares[row] = _prepare_html(page, urls[row], None)
    table = set_column(table, "text", pa.array(texts, pa.string()))
    return set_column(table, "main_text_share", pa.array(shares, pa.list_(pa.float32())))


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
            text, problem, title, shares = next(results)
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
                    "main_text_share": shares,
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
