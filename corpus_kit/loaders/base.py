"""What every loader yields: a `Record` to keep, or a `Reject` with a reason code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """One raw document as read from its input, before normalization.

    `source` is the input file relative to its input root; `record` its position there
    (line number for JSONL, row for Parquet, byte offset for WARC, 0 for one-document files).
    `id` is None when the input has no id: `make_id` derives one from source and record.
    `html` is set instead of `text` for web pages whose main text still has to be extracted.
    """

    source: str
    record: int
    text: str | None
    id: str | None = None
    url: str | None = None
    title: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Reject:
    """An input record that cannot become a document, and why (a reason code of `schema.py`)."""

    source: str
    record: int
    reason: str
    detail: str = ""
    id: str | None = None
