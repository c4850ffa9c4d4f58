"""Near duplicates: MinHash signatures of word n-grams, LSH banding, verified pairs, clusters.

Two steps, as the engines need them: `dedup_keys` runs per batch (pure, vectorised with NumPy) and
`cluster_duplicates` runs once over the keys of the whole corpus (and of an earlier release's
index, for incremental dedup). `mark_duplicates` chains both for a table in memory.

Shingles: the hash of each run of `ngram` consecutive words is a polynomial of the words' hashes
(see `exact_dup` for words and their hashing), mixed with the murmur3 finaliser; no Python loop
runs per word or per shingle. MinHash applies `num_perm` seeded multiply-add permutations
(mod 2**32) to the top 32 bits of the shingle hashes and keeps each minimum.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_kit.config import DedupConfig
from corpus_kit.errors import ConfigError, SchemaError
from corpus_kit.stages.clusters import choose_keepers, component_sizes, connected_components
from corpus_kit.stages.exact_dup import (
    BASE,
    FOLD_VERSION,
    exact_edges,
    fmix64,
    large_strings,
    text_chunks,
    text_hashes,
    word_hashes,
)
from corpus_kit.tables import set_column

#: Schema metadata key holding the parameters the keys were computed with (JSON).
KEYS_METADATA_KEY = b"corpus_kit.dedup"
KEY_COLUMNS = ("id", "n_chars", "exact_hash", "signature")


@dataclass(frozen=True)
class DedupIndex:
    """The dedup keys of a release (`id`, `n_chars`, `exact_hash`, `signature`) and their parameters."""

    keys: pa.Table

    @property
    def params(self) -> dict[str, Any]:
        """Return the parameters the signatures were computed with (empty if unknown)."""
        return keys_params(self.keys)


def dedup_params(cfg: DedupConfig) -> dict[str, Any]:
    """Return the parameters that must match for two sets of keys to be comparable."""
    return {"fold_version": FOLD_VERSION, "ngram": cfg.ngram, "num_perm": cfg.num_perm, "seed": cfg.seed}


def keys_params(keys: pa.Table) -> dict[str, Any]:
    """Return the parameters stored in the schema metadata of `keys` (empty if none)."""
    raw = (keys.schema.metadata or {}).get(KEYS_METADATA_KEY)
    return json.loads(raw) if raw else {}


def keys_schema(cfg: DedupConfig) -> pa.Schema:
    """Return the schema of the table `dedup_keys` returns for `cfg`."""
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("n_chars", pa.int64(), nullable=False),
            pa.field("exact_hash", pa.uint64(), nullable=False),
            pa.field("signature", pa.list_(pa.uint32(), cfg.num_perm)),  # null: no words
        ],
        metadata={KEYS_METADATA_KEY: json.dumps(dedup_params(cfg), sort_keys=True).encode()},
    )


def shingle_hashes(
    words: np.ndarray, rows: np.ndarray, n_rows: int, ngram: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the hash of every `ngram` consecutive words of a row, and its row, from word hashes.

    Shingles come grouped by row, rows in order. A row with fewer than `ngram` words has one
    shingle (all its words); a row without words has none.
    """
    counts = np.bincount(rows, minlength=n_rows)
    first = np.arange(max(len(words) - ngram + 1, 0))
    full = first[rows[first] == rows[first + ngram - 1]]
    short_rows = np.flatnonzero((counts > 0) & (counts < ngram))
    starts = np.concatenate((full, (np.cumsum(counts) - counts)[short_rows]))
    sizes = np.concatenate((np.full(len(full), ngram), counts[short_rows]))
    hashes = words[starts].copy()
    for j in range(1, ngram):
        more = sizes > j
        hashes[more] = hashes[more] * np.uint64(BASE) + words[starts[more] + j]
    hashes += sizes.astype(np.uint64)  # "a b" alone differs from a 3-gram starting "a b"
    order = np.argsort(rows[starts], kind="stable")
    return fmix64(hashes[order]), rows[starts][order]


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mul = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32) | np.uint32(1)
    add = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
    return mul, add


def hash_texts(
    texts: pa.Array | pa.ChunkedArray, cfg: DedupConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the exact hash, the MinHash signature (`num_perm` x uint32) and has-words flag of each text."""
    texts = large_strings(texts)
    n = len(texts)
    exact = np.zeros(n, np.uint64)
    sig = np.zeros((cfg.num_perm, n), np.uint32)
    has = np.zeros(n, bool)
    mul, add = _permutations(cfg.num_perm, cfg.seed)
    for lo, hi in text_chunks(texts):
        words, rows = word_hashes(texts.slice(lo, hi - lo))
        exact[lo:hi] = text_hashes(words, rows, hi - lo)
        hashes, rows = shingle_hashes(words, rows, hi - lo, cfg.ngram)
        if not len(hashes):
            continue
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        targets = rows[first] + lo
        has[targets] = True
        # Affine permutations mod 2**32 of the top 32 bits of the shingle hashes: 32-bit lanes run
        # ~1.6x faster than 64-bit ones (AVX2 has no 64-bit multiply). Measured on the benchmark
        # corpus against true Jaccard: rms error 0.99x that of ideal independent permutations,
        # bias +0.013 (64-bit multiply-add-shift: 0.90x, +0.005); `threshold` was tuned with it.
        keys32 = (hashes >> np.uint64(32)).astype(np.uint32)
        work = np.empty_like(keys32)
        for k in range(cfg.num_perm):
            np.multiply(keys32, mul[k], out=work)
            np.add(work, add[k], out=work)
            sig[k, targets] = np.minimum.reduceat(work, first)
    return exact, np.ascontiguousarray(sig.T), has


def dedup_keys(table: pa.Table, cfg: DedupConfig) -> pa.Table:
    """Return the dedup keys of a batch: `id`, `n_chars`, `exact_hash` and MinHash `signature`.

    Reads `id`, `text` and `n_chars` (the text length when absent). `signature` is null for a text
    without any word. The parameters are stored in the schema metadata, so keys (and indexes)
    computed under other parameters are refused later instead of compared.
    """
    if "id" not in table.column_names or "text" not in table.column_names:
        raise SchemaError(f"dedup needs columns 'id' and 'text'; got {', '.join(table.column_names)}")
    schema = keys_schema(cfg)
    if "n_chars" in table.column_names:
        n_chars = table.column("n_chars").cast(pa.int64())
    else:
        n_chars = pc.fill_null(pc.utf8_length(table.column("text")), 0).cast(pa.int64())
    exact, sig, has = hash_texts(table.column("text"), cfg)
    signature = pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), cfg.num_perm, mask=pa.array(~has))
    columns = [table.column("id"), n_chars, pa.array(exact, pa.uint64()), signature]
    return pa.Table.from_arrays(columns, schema=schema)


def signature_matrix(column: pa.ChunkedArray | pa.Array, num_perm: int) -> np.ndarray:
    """Return the signatures as a (rows x `num_perm`) matrix; a view, not a copy, of one chunk."""
    arr = column
    if isinstance(column, pa.ChunkedArray):  # `combine_chunks` copies even a single chunk
        arr = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if len(arr) == 0:
        return np.zeros((0, num_perm), np.uint32)
    values = arr.values.slice(arr.offset * num_perm, len(arr) * num_perm)
    return values.to_numpy(zero_copy_only=False).reshape(len(arr), num_perm)


def _valid(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.is_valid(), bool) if len(column) else np.zeros(0, bool)


def band_hashes(sig: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """Return the hash of each band of `rows` signature values (rows x `bands`, uint64)."""
    # Column by column: a uint64 copy of the whole signature would double its memory.
    bands = sig[:, : cfg.bands * cfg.rows].reshape(len(sig), cfg.bands, cfg.rows)
    out = bands[:, :, 0].astype(np.uint64)
    for j in range(1, cfg.rows):
        out *= np.uint64(BASE)
        out += bands[:, :, j]
    return fmix64(out)


def bucket_pairs(hashes: np.ndarray, rows: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the row pairs `(a, b)`, a < b, of one band's buckets (rows of equal hash); not unique.

    `rows` must be ascending. Rows are sorted by (hash, row) and each row is paired with the next
    rows of its bucket, at most `max_bucket` of them: all pairs for buckets up to `max_bucket + 1`
    rows, a sliding window (still connecting the bucket) beyond, so one huge bucket cannot go
    quadratic. A bucket's pairs depend only on its own rows, so any subset of whole buckets (a
    shuffle partition, see `engines/ray_dedup.py`) gives the same pairs as the whole band.
    """
    order = np.argsort(hashes, kind="stable")  # ties stay in row order
    ordered, rows = hashes[order], rows[order]
    left, right = [], []
    for d in range(1, min(max_bucket, len(rows) - 1) + 1):
        same = ordered[d:] == ordered[:-d]
        if not same.any():
            break
        left.append(rows[:-d][same])
        right.append(rows[d:][same])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64)


def unique_pairs(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct pairs of `(a, b)` (rows below `n`), sorted."""
    pairs = np.unique(a.astype(np.int64) * n + b)
    return pairs // n, pairs % n


def candidate_pairs(bands: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the unique row pairs `(a, b)`, a < b, that share a band hash in any band.

    The pairs of each band are those of `bucket_pairs`.
    """
    n = len(bands)
    rows = np.arange(n)
    pairs = [bucket_pairs(band, rows, max_bucket) for band in bands.T]
    return unique_pairs(np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs]), n)


def signature_similarity(sig: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the share of signature values rows `a` and `b` agree on (estimates their Jaccard)."""
    out = np.empty(len(a), np.float64)
    step = 1 << 16
    for i in range(0, len(a), step):
        out[i : i + step] = (sig[a[i : i + step]] == sig[b[i : i + step]]).mean(axis=1)
    return out


def verify_pairs(
    sig: np.ndarray, a: np.ndarray, b: np.ndarray, cfg: DedupConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the candidate pairs `(a, b)` whose signature agreement reaches `cfg.threshold`, with it."""
    sim = signature_similarity(sig, a, b)
    keep = sim >= cfg.threshold
    return a[keep], b[keep], sim[keep]


def exact_part(
    hashes: np.ndarray, has_sig: np.ndarray, cfg: DedupConfig, group: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the exact edges `(a, b)` and the rows that take part in LSH (none with `near` off).

    A text without words is nobody's duplicate (an earlier stage rejects it as empty). With
    `exact` off, identical texts are still chained: they are near duplicates with similarity 1.
    One row per exact group (its first) takes part in LSH.
    """
    a, b = exact_edges(hashes, group) if cfg.exact or cfg.near else (np.empty(0, np.int64),) * 2
    keep = has_sig[a]
    a, b = a[keep], b[keep]
    if not cfg.near:
        return a, b, np.empty(0, np.int64)
    first_of_group = np.ones(len(hashes), bool)
    first_of_group[b] = False
    return a, b, np.flatnonzero(has_sig & first_of_group)


def verified_edges(
    hashes: np.ndarray,
    sig: np.ndarray,
    has_sig: np.ndarray,
    cfg: DedupConfig,
    group: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the duplicate edges `(a, b, similarity)` between rows (sorted by id).

    Exact duplicates are chained (similarity 1, see `exact_part`). Candidate pairs of the LSH rows
    are kept only if their signature agreement reaches `cfg.threshold`, so a chain of moderately
    similar pages does not become one cluster.
    """
    a, b, rows = exact_part(hashes, has_sig, cfg, group)
    edges_a, edges_b, sims = [a], [b], [np.ones(len(a))]
    if cfg.near:
        ca, cb = candidate_pairs(band_hashes(sig[rows], cfg), cfg.max_bucket)
        ca, cb, sim = verify_pairs(sig, rows[ca], rows[cb], cfg)
        edges_a.append(ca)
        edges_b.append(cb)
        sims.append(sim)
    return np.concatenate(edges_a), np.concatenate(edges_b), np.concatenate(sims)


def duplicate_components(
    hashes: np.ndarray, sig: np.ndarray, has_sig: np.ndarray, cfg: DedupConfig
) -> np.ndarray:
    """Return the component (smallest row) of every row: connected components of `verified_edges`."""
    a, b, _ = verified_edges(hashes, sig, has_sig, cfg)
    return connected_components(len(hashes), a, b)


#: Computes `duplicate_components` (the local one, or a distributed equal, see `engines/ray_dedup.py`).
ComponentsFn = Callable[[np.ndarray, np.ndarray, np.ndarray, DedupConfig], np.ndarray]


def _check_params(params: dict[str, Any], cfg: DedupConfig, what: str) -> None:
    expected = dedup_params(cfg)
    wrong = {k: v for k, v in params.items() if expected.get(k) != v}
    if wrong:
        detail = ", ".join(f"{k}={v} (config: {expected.get(k)})" for k, v in sorted(wrong.items()))
        raise ConfigError(f"{what} was computed with {detail}; set dedup.* to match or recompute it")


def _sorted_keys(tables: list[pa.Table], cfg: DedupConfig, extra: dict[str, list[pa.Array]]) -> pa.Table:
    """Concatenate key tables with extra per-table columns and sort by (id, extra columns)."""
    schema = keys_schema(cfg).remove_metadata()
    parts = []
    for i, keys in enumerate(tables):
        part = keys.select(list(KEY_COLUMNS)).replace_schema_metadata(None).cast(schema)
        for name, arrays in extra.items():
            part = part.append_column(name, arrays[i])
        parts.append(part)
    table = pa.concat_tables(parts)
    order = pc.sort_indices(table, sort_keys=[("id", "ascending"), *((k, "ascending") for k in extra)])
    if np.array_equal(order.to_numpy(), np.arange(table.num_rows)):
        return table  # already sorted (e.g. a validation's row ids): no copy
    return table.take(order)


def cluster_duplicates(
    keys: pa.Table,
    cfg: DedupConfig,
    previous: DedupIndex | None = None,
    components: ComponentsFn = duplicate_components,
) -> pa.Table:
    """Cluster the documents of `keys` into exact and near duplicates; return one row per document.

    Columns: `id`, `dup_cluster` (the keeper's id, equal for all members of a cluster; null for a
    document without duplicates), `is_duplicate` (False for the keeper) and `duplicate_of` (the
    keeper's id, null for keepers). Rows come sorted by id, and the result depends only on the set of
    keys, not on their order or batching. Keeper: the longest text (`n_chars`), ties by smallest id.
    A text without words is in no cluster (an earlier stage rejects it as empty).
    With `previous` (an earlier release's index), documents of that release take part and are
    preferred as keepers, so a new copy of a published document is marked a duplicate of it; a row
    whose id is in `previous` is that published document again. Only the rows of `keys` are returned.
    `components` finds the clusters (the Ray engine passes its distributed equal).
    """
    _check_params(keys_params(keys), cfg, "dedup keys")
    tables, new = [keys], [pa.array(np.ones(keys.num_rows, bool))]
    published = [pa.array(np.zeros(keys.num_rows, bool))]
    if previous is not None:
        _check_params(previous.params, cfg, "the previous release's dedup index")
        # A document of both releases (same id) is the published one, not a copy of itself.
        published = [pc.is_in(keys.column("id"), value_set=previous.keys.column("id"))]
        earlier = previous.keys.filter(
            pc.invert(pc.is_in(previous.keys.column("id"), value_set=keys.column("id")))
        )
        tables.insert(0, earlier)
        new.insert(0, pa.array(np.zeros(earlier.num_rows, bool)))
        published.insert(0, pa.array(np.ones(earlier.num_rows, bool)))
    table = _sorted_keys(tables, cfg, {"is_new": new, "is_published": published})
    n = table.num_rows
    sig = signature_matrix(table.column("signature"), cfg.num_perm)
    has_sig = _valid(table.column("signature"))
    hashes = table.column("exact_hash").to_numpy()
    component = components(hashes, sig, has_sig, cfg)
    is_new = np.asarray(table.column("is_new"), bool)
    published = np.asarray(table.column("is_published"), bool)
    keepers = choose_keepers(component, table.column("n_chars").to_numpy(), published)
    in_cluster = component_sizes(component) > 1
    is_dup = in_cluster & (keepers != np.arange(n))
    keeper_ids = table.column("id").take(pa.array(keepers))
    out = pa.table(
        {
            "id": table.column("id"),
            "dup_cluster": pc.if_else(pa.array(in_cluster), keeper_ids, pa.scalar(None, pa.string())),
            "is_duplicate": pa.array(is_dup),
            "duplicate_of": pc.if_else(pa.array(is_dup), keeper_ids, pa.scalar(None, pa.string())),
        }
    )
    return out.filter(pa.array(is_new)) if previous is not None else out


def mark_duplicates(table: pa.Table, cfg: DedupConfig, previous: DedupIndex | None = None) -> pa.Table:
    """Add (or replace) `dup_cluster`, `is_duplicate` and `duplicate_of`, keeping rows and columns.

    In-memory chain of `dedup_keys` and `cluster_duplicates` (see them); ids must be unique.
    """
    clusters = cluster_duplicates(dedup_keys(table, cfg), cfg, previous)
    index = pc.index_in(table.column("id"), value_set=clusters.column("id"))
    for name in ("dup_cluster", "is_duplicate", "duplicate_of"):
        table = set_column(table, name, clusters.column(name).take(index))
    return table


def find_cross_split_pairs(
    splits: dict[str, pa.Table], cfg: DedupConfig
) -> list[tuple[str, str, str, str, float]]:
    """Return duplicate pairs whose documents are in different splits (the leakage check).

    Each tuple is `(id_a, split_a, id_b, split_b, similarity)`, sorted; `similarity` is the signature
    agreement (1.0 for exact copies). LSH buckets the documents, so this is never a comparison of all
    pairs; it reports at least one pair for every duplicate cluster that spans splits (the verified
    edges that cross; an exact group contributes one pair per change of split).
    """
    return cross_split_pairs({name: dedup_keys(table, cfg) for name, table in splits.items()}, cfg)


def cross_split_pairs(
    keys_by_split: dict[str, pa.Table], cfg: DedupConfig
) -> list[tuple[str, str, str, str, float]]:
    """Return the pairs of `find_cross_split_pairs` from each split's dedup keys."""
    names = sorted(keys_by_split)
    keys = [keys_by_split[name] for name in names]
    if sum(k.num_rows > 0 for k in keys) < 2:
        return []  # a pair across splits needs documents in two of them
    codes = [pa.array(np.full(k.num_rows, i, np.int32)) for i, k in enumerate(keys)]
    table = _sorted_keys(keys, cfg, {"split_code": codes})
    sig = signature_matrix(table.column("signature"), cfg.num_perm)
    has_sig = _valid(table.column("signature"))
    code = table.column("split_code").to_numpy()
    a, b, sim = verified_edges(table.column("exact_hash").to_numpy(), sig, has_sig, cfg, code)
    cross = code[a] != code[b]
    ids = table.column("id").to_pylist()
    pairs = []
    for x, y, s in zip(a[cross].tolist(), b[cross].tolist(), sim[cross].tolist(), strict=True):
        x, y = (x, y) if (ids[x], code[x]) < (ids[y], code[y]) else (y, x)
        pairs.append((ids[x], names[code[x]], ids[y], names[code[y]], round(float(s), 6)))
    return sorted(pairs)
