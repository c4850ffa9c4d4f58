"""Loader for HTML pages: decode the bytes, find title and canonical URL, extract the main text.

`read_html_file` yields one `Record` per `.html`/`.htm` file with the decoded page in `html`;
ingest turns it into text with `extract_main_text` (trafilatura), the same path an `html`
field of a JSONL/Parquet record or an HTML response of a WARC file takes.

Decoding (`decode_html`), first rule that applies:
1. a byte-order mark (UTF-8, UTF-16 LE/BE) wins;
2. strict UTF-8, if the bytes decode (declarations are often wrong, UTF-8 rarely decodes by chance);
3. the charset declared by HTTP (`Content-Type`, WARC only), then by `<meta charset>`,
   `<meta http-equiv content="...; charset=...">` or `<?xml encoding?>` in the first 8 KiB,
   with the WHATWG substitutions (ISO-8859-1 and ASCII read as cp1252, GB2312/GBK as GB18030,
   Shift_JIS as cp932, EUC-KR as cp949); bytes invalid in that charset become U+FFFD;
4. else cp1252, invalid bytes as U+FFFD.
A page is never rejected for its encoding, as browsers never refuse one; a file holding NUL
bytes without a UTF-16 byte-order mark is rejected as `binary`.
"""

from __future__ import annotations

import codecs
import html as html_lib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from corpus_kit import schema
from corpus_kit.errors import InputError
from corpus_kit.loaders.base import Record, Reject

logger = logging.getLogger(__name__)

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# WHATWG encoding substitutions, keyed by Python codec name.
_SUBSTITUTES = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_SPACES = re.compile(r"\s+")
_CELL_BORDER = re.compile(r"(?<!\\)\|")
_CELL_RULE = re.compile(r":?-{3,}:?")


def _codec(label: str | None) -> str | None:
    """Return a Python codec name for a charset label, or None if it is unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # A page that declares UTF-16 but has no BOM is almost always UTF-8 mislabelled.
    return None if name.startswith("utf-16") or name.startswith("utf-32") else _SUBSTITUTES.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """Return the codec named by a `<meta>` or `<?xml?>` declaration in the first 8 KiB, if any."""
    for match in _DECLARED.finditer(data[:8192]):
        codec = _codec((match.group(1) or match.group(2)).decode("ascii", "replace"))
        if codec:
            return codec
    return None


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode the bytes of an HTML page by the rules of the module docstring."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = _codec(http_charset) or declared_charset(data) or "cp1252"
    return data.decode(codec, errors="replace")


def page_title(page: str) -> str | None:
    """Return the text of the page's first `<title>` element, unescaped, or None."""
    match = _TITLE.search(page)
    if not match:
        return None
    title = _SPACES.sub(" ", html_lib.unescape(match.group(1))).strip()
    return title or None


def canonical_url(page: str) -> str | None:
    """Return the page's `<link rel=canonical>` or `<meta property=og:url>` URL, or None."""
    for tag in _LINK.finditer(page[:65536]):
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag[0])
        }
        href = attrs.get("href") if attrs.get("rel", "").lower() == "canonical" else None
        if href is None and attrs.get("property", "").lower() == "og:url":
            href = attrs.get("content")
        href = html_lib.unescape(href or "").strip()
        if href.startswith(("http://", "https://")):
            return href
    return None


def extract_main_text(html: str, url: str | None = None) -> str | None:
    """Return the main text of an HTML page (trafilatura), or None when nothing is found.

    Settings measured on the boilerplate evaluation pages (benchmarks/web_html.py): comments
    excluded (+0.02 mean F1, they are not part of any ground truth), tables kept (-0.09 F1 on
    CleanEval without them) and flattened to one cell per line (`flatten_tables`), no
    deduplication cache (it would make a page's text depend on the pages before it).
    """
    if not html or not html.strip():
        return None
    import trafilatura
    from lxml.etree import LxmlError

    # trafilatura logs an error or warning for each page it finds nothing in ("empty HTML tree",
    # "discarding data"); the caller handles that outcome, so its own log says it, at debug level.
    trafilatura_log = logging.getLogger("trafilatura")  # its modules' loggers inherit this level
    level = trafilatura_log.level
    trafilatura_log.setLevel(logging.CRITICAL)
    try:
        text = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=False,
            output_format="txt",
        )
    except (LxmlError, ValueError, TypeError, RecursionError) as err:
        logger.debug("trafilatura failed on %s: %s", url or "a page", err)
        return None
    finally:
        trafilatura_log.setLevel(level)
    text = flatten_tables(text) if text else None
    if not (text and text.strip()):
        logger.debug("trafilatura found no main text in %s", url or "a page")
        return None
    return text


def flatten_tables(text: str) -> str:
    """Put each cell of trafilatura's `| a | b |` table rows on a line of its own.

    Old sites lay out their main text in tables; as pipe rows, its paragraphs would end in `|`
    and look like no sentence at all to the line cleaner and the quality signals. Empty cells and
    `---` rules are dropped, escaped `\\|` inside a cell becomes `|`.
    """
    lines = []
    for line in text.split("\n"):
        if not line.lstrip().startswith("|"):
            lines.append(line)
            continue
        for cell in _CELL_BORDER.split(line):
            cell = cell.strip().replace("\\|", "|")
            if cell and not _CELL_RULE.fullmatch(cell):
                lines.append(cell)
    return "\n".join(lines)


def read_html_file(path: Path, source: str) -> Iterator[Record | Reject]:
    """Yield the page at `path` as one `Record` with `html`, `title` and canonical `url` set.

    `id` is left None (the dispatcher uses the file's path). Rejects: `empty`, `binary`.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from err
    if not data.strip():
        yield Reject(source, 0, schema.REJECT_EMPTY, "file is empty or only whitespace")
        return
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield Reject(source, 0, schema.REJECT_BINARY, f"NUL byte at offset {data.index(0)}")
        return
    page = decode_html(data)
    yield Record(
        source=source, record=0, text=None, url=canonical_url(page), title=page_title(page), html=page
    )
