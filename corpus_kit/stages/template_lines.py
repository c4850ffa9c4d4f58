"""Cross-document template lines: lines that repeat on many pages of one site.

Two passes, like any corpus-wide stage. `count_template_lines` runs on each batch and returns,
per site, how many documents contain each distinct line (by 64-bit hash) plus the site's
document count; `merge_template_counts` sums those tables and keeps, per site, the lines found
on at least `cfg.template_min_docs` documents and on at least `cfg.template_min_share` of the
site's documents. Memory is proportional to the distinct (site, line) pairs.

The site is the host of `url` (without a leading "www."), else the folder of `source`. Counting
per site is what keeps a line quoted on many unrelated sites from ever being a template line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from corpus_kit.config import BoilerplateConfig

#: Columns of the per-batch counts. A row with a null `line_hash` holds the site's document count.
TEMPLATE_COUNTS = pa.schema(
    [
        pa.field("site", pa.string(), nullable=False),
        pa.field("line_hash", pa.uint64()),
        pa.field("n_docs", pa.int64(), nullable=False),
    ]
)


def hash_lines(lines: Iterable[str]) -> list[int]:
    """Return the 64-bit hash of each line (xxh3 of its UTF-8 bytes, seed 0)."""
    digest = xxhash.xxh3_64_intdigest
    return [digest(line.encode("utf-8")) for line in lines]


# A URL whose host `urlsplit` would read as it is: http(s), letters, digits, dots and hyphens only.
_PLAIN_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)(?:[/?#]|$)")


def site_of(url: str | None, source: str | None) -> str:
    """Return the site of a document: the host of `url`, else the folder of `source`, else ""."""
    if url:
        plain = _PLAIN_HOST.match(url)  # most URLs: the host without parsing the whole URL
        host = (plain.group(1) if plain else urlsplit(url).hostname or "").lower()
        if host:
            return host.removeprefix("www.")
    if source:
        return "dir:" + posixpath.dirname(source.replace("\\", "/"))
    return ""


@dataclass(frozen=True)
class TemplateLines:
    """The template line hashes of each site, and those of every site (`everywhere`)."""

    sites: dict[str, frozenset[int]] = field(default_factory=dict)
    everywhere: frozenset[int] = frozenset()
    # Each site's `for_site` once made: a site has many documents.
    _of_site: dict[str, frozenset[int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def for_site(self, site: str) -> frozenset[int]:
        """Return the template line hashes of `site` (the corpus-wide ones included)."""
        own = self.sites.get(site)
        if not own:
            return self.everywhere
        if site not in self._of_site:
            self._of_site[site] = self.everywhere | own
        return self._of_site[site]

    def __len__(self) -> int:
        return sum(len(hashes) for hashes in self.sites.values()) + len(self.everywhere)


def count_template_lines(table: pa.Table, cfg: BoilerplateConfig) -> pa.Table:
    """Count, per site, the documents of `table` containing each distinct non-blank line.

    Reads `text` and, when present, `url` and `source`; returns a table with `TEMPLATE_COUNTS`
    columns, sorted by site and line hash (each site's document count first). Lines shorter than
    `cfg.template_min_chars` are ignored.
    """
    n = table.num_rows
    texts = table.column("text").to_pylist()
    urls = table.column("url").to_pylist() if "url" in table.column_names else [None] * n
    sources = table.column("source").to_pylist() if "source" in table.column_names else [None] * n
    doc_sites = [site_of(url, source) for url, source in zip(urls, sources, strict=True)]
    names = sorted(set(doc_sites))
    code = {name: i for i, name in enumerate(names)}
    doc_site = np.array([code[name] for name in doc_sites], np.int64)
    docs: list[int] = []
    hashes: list[int] = []
    for doc, text in enumerate(texts):
        found = hash_lines(line for line in text.split("\n") if len(line.strip()) >= cfg.template_min_chars)
        hashes += found
        docs += [doc] * len(found)
    # Each (document, line) once, then documents per (site, line): sorted by site, then line hash.
    site = doc_site[np.array(docs, np.int64)]
    line = np.array(hashes, np.uint64)
    order = np.lexsort((np.array(docs, np.int64), line, site))
    site, line, doc = site[order], line[order], np.array(docs, np.int64)[order]
    first = np.ones(len(line), bool)
    first[1:] = (site[1:] != site[:-1]) | (line[1:] != line[:-1]) | (doc[1:] != doc[:-1])
    site, line = site[first], line[first]
    new_pair = np.ones(len(line), bool)
    new_pair[1:] = (site[1:] != site[:-1]) | (line[1:] != line[:-1])
    start = np.flatnonzero(new_pair)
    counts = np.diff(np.append(start, len(line)))
    site, line = site[start], line[start]
    # Each site's document count (a null line hash) goes before its lines.
    sites_docs = np.bincount(doc_site, minlength=len(names))
    rank = np.concatenate([np.arange(len(names)), site])
    is_total = np.concatenate([np.ones(len(names), bool), np.zeros(len(site), bool)])
    merged = np.lexsort((~is_total, rank))
    all_sites = rank[merged]
    all_lines = np.concatenate([np.zeros(len(names), np.uint64), line])[merged]
    all_counts = np.concatenate([sites_docs, counts])[merged]
    return pa.table(
        {
            "site": pa.array(names, pa.string()).take(pa.array(all_sites)),
            "line_hash": pa.array(all_lines, pa.uint64(), mask=is_total[merged]),
            "n_docs": pa.array(all_counts, pa.int64()),
        },
        schema=TEMPLATE_COUNTS,
    )


def merge_template_counts(counts: Iterable[pa.Table], cfg: BoilerplateConfig) -> TemplateLines:
    """Sum per-batch counts and keep each site's lines seen on enough of its documents."""
    tables = [table.select(TEMPLATE_COUNTS.names).cast(TEMPLATE_COUNTS) for table in counts]
    if not tables:
        return TemplateLines()
    totals = (
        pa.concat_tables(tables)
        .group_by(["site", "line_hash"], use_threads=False)
        .aggregate([("n_docs", "sum")])
    )
    is_site = pc.is_null(totals.column("line_hash"))
    site_docs = totals.filter(is_site)
    lines = totals.filter(pc.invert(is_site))
    documents = pc.sum(site_docs.column("n_docs_sum")).as_py() or 0
    # Each line's site's document count, looked up by site.
    of_site = site_docs.column("n_docs_sum").take(pc.index_in(lines.column("site"), site_docs.column("site")))
    n_docs = lines.column("n_docs_sum").to_numpy()
    needed = np.maximum(cfg.template_min_docs, cfg.template_min_share * of_site.to_numpy())
    chosen = lines.filter(pa.array(n_docs >= needed))
    sites: dict[str, set[int]] = {}
    for site, line_hash in zip(
        chosen.column("site").to_pylist(), chosen.column("line_hash").to_pylist(), strict=True
    ):
        sites.setdefault(site, set()).add(line_hash)
    corpus = lines.group_by("line_hash", use_threads=False).aggregate([("n_docs_sum", "sum")])
    needed_corpus = max(cfg.template_min_docs, cfg.template_min_share_corpus * documents)
    wide = pc.greater_equal(corpus.column("n_docs_sum_sum"), pa.scalar(needed_corpus, pa.float64()))
    everywhere = frozenset(corpus.column("line_hash").filter(wide).to_pylist())
    return TemplateLines({site: frozenset(hashes) for site, hashes in sorted(sites.items())}, everywhere)
