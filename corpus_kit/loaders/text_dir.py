"""Loader for plain-text files: one document per file (like the bundled `seeds/`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from corpus_kit import schema
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.decoding import decode_utf8


def read_text_file(path: Path, source: str, doc_id: str) -> Iterator[Record | Reject]:
    """Yield the file at `path` as one document with id `doc_id`, or a reject with its reason."""
    try:
        data = path.read_bytes()
    except OSError as err:
        from corpus_kit.errors import InputError

        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
    if not data.strip():
        yield Reject(source, 0, schema.REJECT_EMPTY, "file is empty or only whitespace", doc_id)
        return
    if b"\x00" in data:
        yield Reject(source, 0, schema.REJECT_BINARY, f"NUL byte at offset {data.index(0)}", doc_id)
        return
    text, error = decode_utf8(data)
    if error:
        yield Reject(source, 0, schema.REJECT_DECODE_ERROR, error, doc_id)
        return
    yield Record(source=source, record=0, text=text, id=doc_id)
