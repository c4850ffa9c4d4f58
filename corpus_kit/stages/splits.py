"""Deterministic split assignment that keeps duplicate clusters (and optionally sites) together."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyarrow as pa
import xxhash

from corpus_kit.config import SplitConfig
from corpus_kit.tables import set_column


def _group_key(doc_id: str, cluster: str | None, url: str | None, by_site: bool) -> str:
    if by_site and url:
        host = urlsplit(url).hostname
        if host:
            return "site:" + host.removeprefix("www.")
    # `dup_cluster` is the keeper's id, so a document and its later copies share one key.
    return cluster or doc_id


def split_for(key: str, cfg: SplitConfig) -> str:
    """Return the split of a group key: a point in [0, 1) from its hash, cut by the ratios."""
    point = xxhash.xxh64_intdigest(key.encode("utf-8"), seed=cfg.seed) / 2**64
    edge = 0.0
    names = list(cfg.ratios)
    for name in names:
        edge += cfg.ratios[name]
        if point < edge:
            return name
    return names[-1]


def assign_splits(table: pa.Table, cfg: SplitConfig) -> pa.Table:
    """Set `split` from the hash of each row's duplicate cluster (the keeper's id), else its id.

    With `by_site`, the key is the host of `url` instead, so whole sites stay in one split.
    """
    ids = table.column("id").to_pylist()
    clusters = (
        table.column("dup_cluster").to_pylist() if "dup_cluster" in table.column_names else [None] * len(ids)
    )
    urls = table.column("url").to_pylist()
    splits = [
        split_for(_group_key(i, c, u, cfg.by_site), cfg) for i, c, u in zip(ids, clusters, urls, strict=True)
    ]
    return set_column(table, "split", pa.array(splits, pa.string()))
