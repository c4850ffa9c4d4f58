"""Loader for JSON Lines files, plain or compressed with gzip (`.gz`) or zstandard (`.zst`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus_kit import schema
from corpus_kit.config import LoaderConfig
from corpus_kit.errors import InputError
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.decoding import decode_utf8
from corpus_kit.loaders.fields import record_from_object


class TruncatedStream(EOFError):
    """A compressed stream ended before its end marker."""


def _zstd_lines(path: Path) -> Iterator[bytes]:
    import zstandard

    pending = b""
    in_frame = False  # bytes of a frame were read whose end marker has not been seen yet
    with path.open("rb") as raw:
        decoder = zstandard.ZstdDecompressor().decompressobj()
        while chunk := raw.read(1 << 20):
            while chunk:
                in_frame = True
                pending += decoder.decompress(chunk)
                chunk = b""
                if decoder.eof:
                    chunk, in_frame = decoder.unused_data, False
                    decoder = zstandard.ZstdDecompressor().decompressobj()
            *lines, pending = pending.split(b"\n")
            yield from (line + b"\n" for line in lines)
    if in_frame:
        raise TruncatedStream("zstd stream ended before its end marker")
    if pending:
        yield pending


def _lines(path: Path) -> Iterator[bytes]:
    suffix = path.suffix.lower()
    if suffix in (".zst", ".zstd"):
        yield from _zstd_lines(path)
        return
    opener = gzip.open if suffix == ".gz" else open
    with opener(path, "rb") as stream:
        yield from stream


def _damage_errors() -> tuple[type[BaseException], ...]:
    import zstandard

    return (EOFError, gzip.BadGzipFile, zstandard.ZstdError)


def read_jsonl(path: Path, source: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    """Yield one `Record` per JSON object line of `path`; bad lines become `Reject`s.

    `record` is the 1-based line number. A damaged compressed stream keeps the records before
    the damage and yields one `truncated` reject naming where it stopped.
    """
    lineno = 0
    try:
        for lineno, raw in enumerate(_lines(path), start=1):
            if raw.strip():
                yield _parse_line(raw, source, lineno, cfg)
    except _damage_errors() as err:
        yield Reject(
            source, lineno + 1, schema.REJECT_TRUNCATED, f"stream damaged after line {lineno}: {err}"
        )
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err


def _parse_line(raw: bytes, source: str, lineno: int, cfg: LoaderConfig) -> Record | Reject:
    text, error = decode_utf8(raw)
    if error:
        return Reject(source, lineno, schema.REJECT_DECODE_ERROR, error)
    try:
        obj: Any = json.loads(text)
    except json.JSONDecodeError as err:
        return Reject(source, lineno, schema.REJECT_MALFORMED_JSON, f"{err.msg} at column {err.colno}")
    except RecursionError:
        return Reject(source, lineno, schema.REJECT_MALFORMED_JSON, "JSON nested too deeply")
    if not isinstance(obj, dict):
        return Reject(
            source, lineno, schema.REJECT_NOT_OBJECT, f"expected a JSON object, got {type(obj).__name__}"
        )
    return record_from_object(obj, source, lineno, cfg)
