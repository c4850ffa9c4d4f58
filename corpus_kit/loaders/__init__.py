"""Loaders: find input files, pick a reader by file name, yield `Record`s and `Reject`s.

| file name                                  | reader                      | one document per |
|--------------------------------------------|-----------------------------|------------------|
| `*.txt`                                    | `text_dir.read_text_file`   | file             |
| `*.jsonl`, `*.ndjson` (+ `.gz`, `.zst`)    | `jsonl.read_jsonl`          | line             |
| `*.parquet`                                | `parquet.read_parquet`      | row              |
| `*.html`, `*.htm`                          | `html.read_html_file`       | file             |
| `*.warc`, `*.wet` (+ `.gz`)                | `warc.read_warc`            | WARC record      |

A folder is walked recursively in sorted order; files of other types in it are skipped and
logged. A path that does not exist, or a named file of an unknown type, is an `InputError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from corpus_kit.config import LoaderConfig
from corpus_kit.errors import InputError
from corpus_kit.loaders.base import Record, Reject

__all__ = ["Record", "Reject", "find_inputs", "read_inputs"]

logger = logging.getLogger(__name__)

Reader = Callable[[Path, str, str, LoaderConfig], Iterator[Record | Reject]]


def _text(path: Path, source: str, doc_id: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    from corpus_kit.loaders.text_dir import read_text_file

    return read_text_file(path, source, doc_id)


def _jsonl(path: Path, source: str, doc_id: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    from corpus_kit.loaders.jsonl import read_jsonl

    return read_jsonl(path, source, cfg)


def _parquet(path: Path, source: str, doc_id: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    from corpus_kit.loaders.parquet import read_parquet

    return read_parquet(path, source, cfg)


def _html(path: Path, source: str, doc_id: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    from corpus_kit.loaders.html import read_html_file

    for item in read_html_file(path, source):
        yield Record(**{**item.__dict__, "id": item.id or doc_id}) if isinstance(item, Record) else item


def _warc(path: Path, source: str, doc_id: str, cfg: LoaderConfig) -> Iterator[Record | Reject]:
    from corpus_kit.loaders.warc import read_warc

    return read_warc(path, source)


_READERS: dict[str, Reader] = {
    ".txt": _text,
    ".jsonl": _jsonl,
    ".ndjson": _jsonl,
    ".parquet": _parquet,
    ".html": _html,
    ".htm": _html,
    ".warc": _warc,
    ".wet": _warc,
    ".arc": _warc,
}
_COMPRESSED = {".gz", ".zst", ".zstd"}


def _reader_for(path: Path) -> Reader | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    reader = _READERS.get(suffixes[-1]) if suffixes else None
    if reader in (_text, _parquet, _html) and path.suffix.lower() in _COMPRESSED:
        return None
    return reader


def find_inputs(paths: Sequence[str | Path], root: Path) -> list[tuple[Path, str, str]]:
    """Expand `paths` (files or folders, relative to `root`) into (file, source, default id) triples.

    `source` is the path as given plus the file's place inside a given folder (POSIX slashes);
    the default id of a one-document file is its path inside the folder without the extension.
    """
    found: list[tuple[Path, str, str]] = []
    for given in paths:
        path = root / given
        if not path.exists():
            raise InputError(f"{given}: no such file or folder")
        if path.is_file():
            if _reader_for(path) is None:
                raise InputError(f"{given}: unknown input type; expected {', '.join(sorted(_READERS))}")
            found.append((path, PurePosixPath(Path(given)).as_posix(), path.name.split(".")[0]))
            continue
        skipped = 0
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            rel = file.relative_to(path)
            if _reader_for(file) is None or any(part.startswith(".") for part in rel.parts):
                skipped += 1
                continue
            stem = rel.with_name(rel.name.split(".")[0]).as_posix()
            found.append(
                (file, f"{PurePosixPath(Path(given)).as_posix().rstrip('/')}/{rel.as_posix()}", stem)
            )
        if skipped:
            logger.warning("%s: skipped %d file(s) of unknown type or hidden", given, skipped)
    return found


def read_inputs(paths: Sequence[str | Path], cfg: LoaderConfig, root: Path) -> Iterator[Record | Reject]:
    """Yield every record of every input file, in a deterministic order."""
    for path, source, doc_id in find_inputs(paths, root):
        reader = _reader_for(path)
        assert reader is not None
        yield from reader(path, source, doc_id, cfg)
