"""Loader for WARC, WET and ARC files (plain or gzip), read with warcio.

Every WARC record becomes exactly one `Record` or `Reject`, so nothing is dropped silently
(`record` is the record's byte offset in the file as stored, the offset CDX indexes use):

| WARC record                                   | becomes                                        |
|-----------------------------------------------|------------------------------------------------|
| `response`/`resource`, 2xx, HTML              | `Record` with `html` (the HTML path)           |
| `conversion` (WET)                            | `Record` with `text` as stored (the text path) |
| `response`/`resource` that is not HTML        | `Reject` `skipped_non_html` (content type)     |
| `response` with a non-2xx HTTP status         | `Reject` `skipped_http_status` (status)        |
| `revisit`                                     | `Reject` `skipped_revisit`                     |
| `warcinfo`, `request`, `metadata`, others     | `Reject` `skipped_record_type` (WARC-Type)     |

`url` is `WARC-Target-URI`; `id` is `WARC-Record-ID` (ARC records have none: ingest derives one
from source and offset). A record cut short by the end of the file (a truncated download) or an
unparseable record ends the file with one `truncated` reject at its offset; the records before
it are kept. A file that cannot be opened is an `InputError`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus_kit import schema
from corpus_kit.errors import InputError
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.decoding import decode_utf8
from corpus_kit.loaders.html import decode_html, page_title

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SNIFF = (b"<!doctype html", b"<html")
_CHUNK = 1 << 16


def _is_arc(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    return ".arc" in suffixes[-2:]


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into (media type, charset or None)."""
    if not content_type:
        return "", None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _drain(record: Any) -> int:
    """Read the rest of `record` and return how many bytes of its Content-Length were missing."""
    raw = record.raw_stream
    while raw.read(_CHUNK):
        pass
    return max(0, getattr(raw, "limit", 0))


def _payload(record: Any) -> bytes:
    """Return the record's payload with chunked transfer and content encodings undone."""
    return record.content_stream().read()


def _document(record: Any, source: str, offset: int, doc_id: str | None) -> Record | Reject:
    """Turn one WARC record into a `Record` or a `Reject` (see the module docstring)."""
    kind = record.rec_type
    url = record.rec_headers.get_header("WARC-Target-URI")
    if kind == "revisit":
        return Reject(source, offset, schema.REJECT_SKIPPED_REVISIT, f"revisit of {url}", doc_id)
    if kind == "conversion":
        text, error = decode_utf8(_payload(record))
        if error:
            return Reject(source, offset, schema.REJECT_DECODE_ERROR, error, doc_id)
        return Record(source=source, record=offset, text=text, id=doc_id, url=url)
    if kind not in ("response", "resource"):
        return Reject(source, offset, schema.REJECT_SKIPPED_RECORD_TYPE, f"WARC-Type {kind}", doc_id)
    http = record.http_headers if kind == "response" else None
    if http is not None:
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return Reject(
                source, offset, schema.REJECT_SKIPPED_HTTP_STATUS, f"HTTP status {status or '?'}", doc_id
            )
        content_type = http.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    media, charset = _media_type(content_type)
    try:
        data = _payload(record)
    except (zlib.error, OSError, ValueError) as err:
        return Reject(source, offset, schema.REJECT_DECODE_ERROR, f"cannot decode the payload: {err}", doc_id)
    if media not in _HTML_TYPES and not (not media and data[:1024].lstrip().lower().startswith(_SNIFF)):
        return Reject(
            source, offset, schema.REJECT_SKIPPED_NON_HTML, f"content type {media or 'none'}", doc_id
        )
    if not data.strip():
        return Reject(source, offset, schema.REJECT_EMPTY, "empty HTML payload", doc_id)
    page = decode_html(data, charset)
    return Record(
        source=source, record=offset, text=None, id=doc_id, url=url, title=page_title(page), html=page
    )


def read_warc(path: Path, source: str) -> Iterator[Record | Reject]:
    """Yield one `Record` or `Reject` per record of the WARC/WET/ARC file at `path`.

    HTML responses carry `html` (ingest extracts the main text), WET conversions carry `text`.
    """
    from warcio.archiveiterator import ARCIterator, WARCIterator
    from warcio.exceptions import ArchiveLoadFailed
    from warcio.statusandheaders import StatusAndHeadersParserException

    arc = _is_arc(path)
    try:
        stream = path.open("rb")
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
    # warcio raises AttributeError/TypeError on some damaged headers (a response without a URI).
    damage = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, ValueError)
    damage += (AttributeError, TypeError)
    offset = 0
    with stream:
        records = ARCIterator(stream, arc2warc=True) if arc else WARCIterator(stream)
        try:
            for record in records:
                offset = records.offset
                complete = arc or record.rec_headers.get_header("Content-Length") is not None
                doc_id = (
                    None
                    if arc
                    else (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or None
                )
                item = _document(record, source, offset, doc_id) if complete else None
                missing = _drain(record)
                if item is None or missing:
                    what = f"{missing} bytes of the record missing" if missing else "record header cut short"
                    detail = f"file ends inside a record: {what}"
                    yield Reject(source, offset, schema.REJECT_TRUNCATED, detail, doc_id)
                    return
                yield item
            # warcio ends quietly when the file stops inside a record header: check for leftovers.
            end = records.offset
            stream.seek(end)
            if stream.read(_CHUNK).strip():
                yield Reject(
                    source, end, schema.REJECT_TRUNCATED, f"unreadable bytes after the last record, at {end}"
                )
        except damage as err:
            at = records.offset if records.offset > offset else offset
            yield Reject(
                source, at, schema.REJECT_TRUNCATED, f"damaged WARC data at byte {at}: {str(err).strip()}"
            )
        except OSError as err:
            raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
