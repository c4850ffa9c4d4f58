"""Duplicate clusters on Ray Data: LSH band grouping and connected components as distributed exchanges.

`duplicate_components` computes what `near_dup.duplicate_components` does, with the same result,
so `cluster_duplicates(keys, cfg, previous, components=duplicate_components)` gives the same table
(keepers, `previous` and the output table are the same code). The driver holds the id-sorted keys
(it needs them for the keepers anyway) and computes the exact edges and the LSH rows (one per exact
group) with one NumPy sort of the exact hashes; the signature matrix goes to the object store once.
Then, in Ray Data:

1. band grouping: `map_batches` emits a row (band, band hash, row) per LSH row and band
   (`near_dup.band_hashes`); an exchange by (band, band hash) puts every bucket whole in one block,
   where `near_dup.bucket_pairs` pairs its rows exactly as the local `candidate_pairs` does (a
   bucket's pairs depend only on its own rows).
2. verification: a map over those blocks keeps the pairs whose signature agreement reaches the
   threshold (`near_dup.verify_pairs`), reading the signatures zero-copy from the object store, so
   only verified edges leave the workers and the driver never holds the candidates (many more than
   the edges). A pair found in two bands of different blocks is verified and kept twice; duplicate
   edges do not change the components.
3. connected components: alternating large-star and small-star steps (Kiveris et al., "Connected
   Components in MapReduce and Beyond", 2014) over the edge list, each an exchange by node and one
   sort plus a vectorised group minimum per block (no Python call per node), until a round of both
   changes no edge. Then every edge joins a node to its component's smallest node, the label the
   local union-find gives. Rounds grow with the logarithm of the components' diameters (4 on the
   20k benchmark corpus, the last one only confirming).

Each exchange is Ray Data's distributed sort (see `_group`): no Python call per key, never
`groupby().map_groups`, and every output block is one whole key range.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from corpus_kit.config import DedupConfig
from corpus_kit.engines.ray import _data_context, _import_ray, cpu_count
from corpus_kit.stages import near_dup

logger = logging.getLogger(__name__)

_EDGE = pa.schema([pa.field("u", pa.int64()), pa.field("v", pa.int64())])


def duplicate_components(
    hashes: np.ndarray, sig: np.ndarray, has_sig: np.ndarray, cfg: DedupConfig
) -> np.ndarray:
    """Return the component (smallest row) of every row, as `near_dup.duplicate_components`, on Ray.

    Uses the running Ray instance (see `engines.ray.session`); Ray Data starts one if none runs.
    """
    ray = _import_ray()
    a, b, rows = near_dup.exact_part(hashes, has_sig, cfg)
    with _data_context(ray):
        partitions = cpu_count(ray)
        edges = edge_dataset(ray, a, b)
        if len(rows) > 1:
            sig_ref = ray.put(sig)
            pairs = candidate_pairs(ray, sig_ref, rows, cfg, partitions)
            verified = pairs.map_batches(
                _verify_block, batch_size=None, batch_format="pyarrow", fn_kwargs={"sig": sig_ref, "cfg": cfg}
            )
            edges = edges.union(verified)
        return connected_components(ray, len(hashes), edges)


def edge_dataset(ray: Any, a: np.ndarray, b: np.ndarray) -> Any:
    """Return a dataset of the edges `(a, b)` as columns `u`, `v`."""
    return ray.data.from_arrow(
        pa.Table.from_arrays([pa.array(a, pa.int64()), pa.array(b, pa.int64())], schema=_EDGE)
    )


def candidate_pairs(ray: Any, sig_ref: Any, rows: np.ndarray, cfg: DedupConfig, partitions: int) -> Any:
    """Return a dataset of the LSH candidate pairs (`u` > `v`) of `rows` (ascending) of the signatures.

    The distinct pairs are those of `near_dup.candidate_pairs` on the band hashes of `rows`
    (mapped to row numbers); a pair sharing buckets that landed in different blocks comes twice.
    `rows` go to Ray in `partitions` blocks, and every later step keeps that many.
    """
    chunks = np.array_split(rows.astype(np.int64), max(1, min(partitions, len(rows))))
    bands = ray.data.from_arrow([pa.table({"row": chunk}) for chunk in chunks]).map_batches(
        _band_rows, batch_size=None, batch_format="pyarrow", fn_kwargs={"sig": sig_ref, "cfg": cfg}
    )
    return _group(bands, ["band", "band_hash"]).map_batches(
        _bucket_pairs_block, batch_size=None, batch_format="pyarrow", fn_kwargs={"max_bucket": cfg.max_bucket}
    )


def _band_rows(batch: pa.Table, sig: Any, cfg: DedupConfig) -> pa.Table:
    """Return a row (band, band hash, row) per band of each row of `batch`."""
    rows = batch.column("row").to_numpy()
    hashes = near_dup.band_hashes(_import_ray().get(sig)[rows], cfg)
    return pa.table(
        {
            "band": np.tile(np.arange(cfg.bands, dtype=np.int32), len(rows)),
            "band_hash": hashes.ravel(),
            "row": np.repeat(rows, cfg.bands),
        }
    )


def _bucket_pairs_block(block: pa.Table, max_bucket: int) -> pa.Table:
    """Return the candidate pairs of the whole buckets in `block` (`u` > `v`, distinct within the block)."""
    if not block.num_rows:
        return _EDGE.empty_table()
    band = block.column("band").to_numpy()
    rows = block.column("row").to_numpy()
    hashes = block.column("band_hash").to_numpy()
    order = np.lexsort((rows, band))  # by band, rows ascending within a band
    band, rows, hashes = band[order], rows[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, band[1:] != band[:-1]]).tolist()
    ends = [*starts[1:], len(band)]
    pairs = [
        near_dup.bucket_pairs(hashes[s:e], rows[s:e], max_bucket) for s, e in zip(starts, ends, strict=True)
    ]
    a, b = near_dup.unique_pairs(
        np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs]), int(rows.max()) + 1
    )
    return pa.Table.from_arrays([pa.array(b), pa.array(a)], schema=_EDGE)


def _verify_block(block: pa.Table, sig: Any, cfg: DedupConfig) -> pa.Table:
    """Keep the pairs of `block` whose signature agreement reaches `cfg.threshold`."""
    u, v, _ = near_dup.verify_pairs(
        _import_ray().get(sig), block.column("u").to_numpy(), block.column("v").to_numpy(), cfg
    )
    return pa.Table.from_arrays([pa.array(u), pa.array(v)], schema=_EDGE)


def connected_components(ray: Any, n: int, edges: Any) -> np.ndarray:
    """Return the component of each of `n` nodes given a dataset of edges (`u`, `v`): its smallest node.

    Equals `clusters.connected_components`. Each large-star or small-star step is one exchange by
    node and one vectorised pass per block; rounds go on until neither step changes an edge.
    """
    rounds = 0
    while True:
        rounds += 1
        both = edges.map_batches(_both_directions, batch_size=None, batch_format="pyarrow")
        edges, large = _star_step(both, _large_star)
        edges, small = _star_step(edges, _small_star)
        if not large and not small:
            break
    logger.info("ray dedup: connected components in %d rounds", rounds)
    labels = np.arange(n)
    for batch in edges.iter_batches(batch_size=None, batch_format="pyarrow"):
        labels[batch.column("u").to_numpy()] = batch.column("v").to_numpy()
    return labels


def _star_step(edges: Any, step: Callable[[pa.Table], pa.Table]) -> tuple[Any, int]:
    """Run a star step over `edges` grouped by `u`; return its edges (materialized) and how many changed."""
    out = _group(edges, ["u"]).map_batches(step, batch_size=None, batch_format="pyarrow").materialize()
    return out, out.map_batches(_changed_rows, batch_size=None, batch_format="pyarrow").count()


def _group(ds: Any, keys: list[str]) -> Any:
    """Return `ds` exchanged so that all rows with equal `keys` are in one block, blocks kept whole.

    Ray Data's distributed sort: sampled range boundaries, then one map task per block splits it by
    range and one reduce task per range merges its pieces into one block, so equal keys share a
    block. A key `repartition` (hash shuffle) would do too, but starts its aggregator actors anew for
    every exchange: 1.5-5 s each against 0.2-0.4 s for the sort, measured on 2 cores, which an
    iterative algorithm pays on every step.
    """
    return ds.sort(keys)


def _both_directions(batch: pa.Table) -> pa.Table:
    """Return each edge of `batch` in both directions."""
    u, v = batch.column("u").chunks, batch.column("v").chunks
    return pa.Table.from_arrays(
        [pa.chunked_array(u + v, pa.int64()), pa.chunked_array(v + u, pa.int64())], schema=_EDGE
    )


def _changed_rows(batch: pa.Table) -> pa.Table:
    """Return the rows of `batch` a star step changed (only their `u`)."""
    return batch.filter(batch.column("changed")).select(["u"])


def _grouped(block: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct edges of `block` sorted by (u, v), and for each the smallest `v` of its `u`."""
    u = block.column("u").to_numpy()
    v = block.column("v").to_numpy()
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    distinct = np.ones(len(u), bool)
    distinct[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v = u[distinct], v[distinct]
    first = np.ones(len(u), bool)
    first[1:] = u[1:] != u[:-1]
    return u, v, v[np.maximum.accumulate(np.where(first, np.arange(len(u)), 0))]


def _star_table(u: np.ndarray, v: np.ndarray, changed: np.ndarray) -> pa.Table:
    """Return the edges `(u, v)` a star step emits, with their `changed` flags."""
    return pa.table(
        {"u": pa.array(u, pa.int64()), "v": pa.array(v, pa.int64()), "changed": pa.array(changed)}
    )


def _large_star(block: pa.Table) -> pa.Table:
    """Large star: link every larger neighbour of a node to the smallest of the node and its neighbours.

    `block` holds every edge of its nodes in both directions. An edge changes when it moves away
    from its node.
    """
    u, v, smallest = _grouped(block)
    m = np.minimum(smallest, u)
    larger = v > u
    return _star_table(v[larger], m[larger], (m != u)[larger])


def _small_star(block: pa.Table) -> pa.Table:
    """Small star: link a node and its smaller neighbours to the smallest of them.

    `block` holds every edge `u` > `v` of its nodes `u` (every step's edges are so oriented). The
    edge to the smallest neighbour stays; the others change.
    """
    u, v, smallest = _grouped(block)
    first = v == smallest
    return _star_table(np.where(first, u, v), smallest, ~first)
