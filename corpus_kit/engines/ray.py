"""The Ray Data engine: the document phase of a build as Ray Data operators (extra `corpus-kit[ray]`).

Same stage functions, same shards, same bytes as the local engine. The documents' dataset is one
row per ingested shard (its number and path); each operator call reads its shards with pyarrow and
runs the per-shard jobs of `corpus_kit.engines.shards`, so document text never goes through Ray's
object store:

1. template lines (`sum_template_counts`): the per-shard counts (`shards.count_templates`, which
   the build runs on its ingest pool as each shard is written, as the local engine does) are summed
   per (site, line hash) by a distributed aggregation (Ray Data's sort as the exchange, then
   pyarrow's `group_by().aggregate` per block: no Python call per key); the summed table goes
   through `pipeline.merge_templates` on the driver, as the local engine's per-shard counts do
   (sums of sums are the same sums).
2. documents (`run_document_phase`): `shards.process_shard` as a `map_batches` task per shard. A
   worker process builds its per-process state (the boilerplate model, the language profiles, the
   template lines from the object store) once and keeps it for its later tasks. It writes the
   shard's cleaned rows and dedup keys under the shard's name, as a local worker does, and
   returns only its counts and seconds.

Ray is imported only here; without it, `run_document_phase` raises `ConfigError` with the install
hint. Paths are read and written by the workers, so on a multi-node cluster the output folder must
be on storage every node sees, and corpus-kit must be installed on every node.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_kit import pipeline
from corpus_kit.config import BuildConfig
from corpus_kit.engines.shards import process_shard, shard_tasks
from corpus_kit.errors import ConfigError
from corpus_kit.progress import stage_bar
from corpus_kit.stages.template_lines import TEMPLATE_COUNTS, TemplateLines

logger = logging.getLogger(__name__)

_COUNT_KEYS = ("site", "is_total", "line_hash")


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise ConfigError(
            "the ray engine needs Ray Data, which is not installed: pip install 'corpus-kit[ray]'"
        ) from err
    return ray


def _count_columns(counts: pa.Table) -> pa.Table:
    """One shard's template counts with the shuffle's key columns (see `_sum_template_counts`)."""
    is_total = pc.is_null(counts.column("line_hash"))
    return pa.table(
        {
            "site": counts.column("site"),
            "is_total": is_total,
            "line_hash": pc.fill_null(counts.column("line_hash"), 0).combine_chunks().view(pa.int64()),
            "n_docs": counts.column("n_docs"),
        }
    )


def _sum_block(table: pa.Table) -> pa.Table:
    """Sum the template counts of one block per (site, is_total, line hash)."""
    return table.group_by(list(_COUNT_KEYS), use_threads=False).aggregate([("n_docs", "sum")])


def _sum_template_counts(counts: Any) -> pa.Table:
    """Sum template counts per (site, line hash) with a distributed aggregation; return `TEMPLATE_COUNTS`.

    An exchange puts equal keys in one block, where pyarrow sums them: no Python call per key.
    The blocks of `counts` (the per-shard counts, one block per CPU) are exchanged by Ray Data's
    distributed sort, as for the duplicate clusters (`ray_dedup._group`): on 2 cores that was 3.0 s
    at 20k against 8.0 s for a key `repartition`, and Ray's `groupby().sum()` took 10x longer. The
    driver sums the blocks' rows once more, so a key split over two blocks would still be counted
    once. The line hash travels as the int64 with the same bits, and a site's document count (null
    line hash) as line hash 0 with `is_total` set; both are undone here.
    """
    exchanged = counts.sort(list(_COUNT_KEYS))
    summed = exchanged.map_batches(_sum_block, batch_size=None, batch_format="pyarrow")
    table = pa.concat_tables(summed.iter_batches(batch_size=None, batch_format="pyarrow"))
    table = _sum_block(table.rename_columns([*_COUNT_KEYS, "n_docs"]))
    line_hash = table.column("line_hash").combine_chunks().view(pa.uint64())
    line_hash = pc.if_else(table.column("is_total"), pa.scalar(None, pa.uint64()), line_hash)
    return pa.Table.from_arrays(
        [table.column("site"), line_hash, table.column("n_docs_sum")], schema=TEMPLATE_COUNTS
    )


def sum_template_counts(counts: list[pa.Table], cfg: BuildConfig) -> TemplateLines:
    """Sum the shards' template-line `counts` (`shards.count_templates`) on the running Ray instance
    (see `session`) and return the corpus-wide template lines."""
    ray = _import_ray()
    if not counts:
        return pipeline.merge_templates([], cfg)
    with _data_context(ray):
        # One block per CPU, each the counts of consecutive shards (one put per block).
        groups = np.array_split(np.arange(len(counts)), min(cpu_count(ray), len(counts)))
        blocks = [pa.concat_tables([_count_columns(counts[i]) for i in group]) for group in groups]
        return pipeline.merge_templates([_sum_template_counts(ray.data.from_arrow(blocks))], cfg)


# The template lines of the running build in this worker process: (object ref, its value).
_templates: tuple[Any, TemplateLines | None] | None = None


def _templates_of(ref: Any) -> TemplateLines | None:
    """The `TemplateLines` behind `ref`, read from the object store once per worker process."""
    global _templates
    if _templates is None or _templates[0] != ref:
        _templates = (ref, _import_ray().get(ref))
    return _templates[1]


def _process_shards(items: pa.Table, cfg: BuildConfig, templates: Any, work: str) -> pa.Table:
    """Run `shards.process_shard` on the shards of a batch; `templates` is an object ref."""
    paths = [Path(p) for p in items.column("path").to_pylist()]
    rows = []
    tasks = shard_tasks(paths, Path(work), cfg, _templates_of(templates))
    for shard, task in zip(items.column("shard").to_pylist(), tasks, strict=True):
        seconds, docs, nbytes = process_shard(task)
        rows.append({"shard": shard, "docs": docs, "bytes": nbytes, **seconds})
    return pa.Table.from_pylist(rows)


def _warm_up(cfg: BuildConfig) -> None:
    """Build a worker process's per-process state (models, language profiles, character tables):
    the document stages on a one-document batch. About a second each, otherwise paid by the first
    shard a worker gets."""
    table = pa.table({"id": ["warm-up"], "text": ["A sentence to warm up with.\nAnd a second line."]})
    pipeline.batch_dedup_keys(pipeline.run_document_stages(table, cfg, None)[0], cfg)


def warm_up(cfg: BuildConfig) -> None:
    """Start `_warm_up` on every CPU of the running Ray instance without waiting for it, so that Ray
    starts its worker processes and they build their state while the driver does other work."""
    ray = _import_ray()
    task = ray.remote(_warm_up)
    for _ in range(cpu_count(ray)):
        task.remote(cfg)


def _init(ray: Any, cfg: BuildConfig, address: str | None) -> bool:
    """Start or join Ray unless it is already running; return True when this call started it."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
    }
    if not address:
        # Only a new local instance can be sized; a running cluster has its own resources.
        options["num_cpus"] = cfg.engine.workers or None
    ray.init(address=address or None, **options)
    return True


def run_document_phase(
    shards: list[Path],
    templates: TemplateLines | None,
    cfg: BuildConfig,
    work: Path,
    address: str | None = None,
) -> tuple[list[Path], list[Path], dict[str, float]]:
    """Run the document stages and dedup keys over the ingested `shards` with Ray Data.

    `templates` are the corpus's template lines (`sum_template_counts`). Writes
    `work/cleaned/NNNNN.parquet` and `work/keys/NNNNN.parquet` for each ingested shard (same name,
    same rows, same bytes as the local engine) and returns their paths and the seconds spent per
    stage (`clean`, `leftover`, `quality`, `langid` and `dedup_keys`, summed over batches).
    `address` is a Ray cluster (`ray://host:10001`, `auto`); None starts a
    local instance with `cfg.engine.workers` CPUs. A Ray instance already running in this process
    is used as it is and left running.
    """
    _import_ray()
    if not shards:
        return [], [], {}
    with session(cfg, address) as ray:
        return _run(ray, shards, templates, cfg, work)


@contextmanager
def session(cfg: BuildConfig, address: str | None = None) -> Iterator[Any]:
    """Start or join Ray (see `run_document_phase` for `address`) with this engine's Ray Data options.

    Yields the `ray` module. A Ray instance already running in this process is used as it is and
    left running, so a build keeps one instance for the document phase and the dedup clusters.
    """
    ray = _import_ray()
    started = _init(ray, cfg, address)
    try:
        with _data_context(ray):
            yield ray
    finally:
        if started:
            ray.shutdown()


def cpu_count(ray: Any) -> int:
    """Return the number of CPUs of the running Ray instance (the partitions of a shuffle)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


@contextmanager
def _data_context(ray: Any) -> Iterator[None]:
    """Set the Ray Data options this engine needs for the duration of a run, then restore them."""
    ctx = ray.data.DataContext.get_current()
    saved = (
        ctx.enable_progress_bars,
        ctx.print_on_execution_start,
        ctx.shuffle_strategy,
        ctx.hash_shuffle_operator_actor_num_cpus_override,
        ctx.op_resource_reservation_enabled,
    )
    ctx.enable_progress_bars = False  # the engine shows its own bar over shards written
    ctx.print_on_execution_start = False
    # The exchanges (sorts) run with the hash-shuffle strategy: under Ray 2.60's default
    # (`SHUFFLE_V2`) the Ray tests took 164 s instead of 48 s. Its aggregator actors reserve no
    # CPU: reserving any left a 1-CPU instance unable to schedule the map tasks feeding them.
    ctx.shuffle_strategy = ray.data.context.ShuffleStrategy.HASH_SHUFFLE
    ctx.hash_shuffle_operator_actor_num_cpus_override = 0
    # No per-operator reservations: with them, Ray Data's resource-budget backpressure ran the
    # document tasks about 1.4 at a time on 2 CPUs (40 one-CPU tasks of 0.5 s: 14.9 s against 10.8 s
    # without), leaving a quarter of the CPUs idle through the document phase.
    ctx.op_resource_reservation_enabled = False
    try:
        yield
    finally:
        (
            ctx.enable_progress_bars,
            ctx.print_on_execution_start,
            ctx.shuffle_strategy,
            ctx.hash_shuffle_operator_actor_num_cpus_override,
            ctx.op_resource_reservation_enabled,
        ) = saved


def _run(
    ray: Any, shards: list[Path], templates: TemplateLines | None, cfg: BuildConfig, work: Path
) -> tuple[list[Path], list[Path], dict[str, float]]:
    cpus = cpu_count(ray)
    logger.info("ray engine: %d shards on %d CPUs", len(shards), cpus)
    items = ray.data.from_items(
        [{"shard": i, "path": str(p)} for i, p in enumerate(shards)], override_num_blocks=len(shards)
    )
    seconds: Counter = Counter()
    # Tasks, not actors: the workers Ray keeps for its CPUs run every step of the build, each with
    # its per-process state (models, language profiles, templates) built once, where actors would
    # start processes of their own and leave the later steps to start new task workers.
    documents = items.map_batches(
        _process_shards,
        batch_size=1,
        batch_format="pyarrow",
        fn_kwargs={"cfg": cfg, "templates": ray.put(templates), "work": str(work)},
    )
    tasks = shard_tasks(shards, work, cfg, templates)
    done: set[int] = set()
    with stage_bar("clean, quality, langid (ray)", sum(pq.read_metadata(p).num_rows for p in shards)) as bar:
        for batch in documents.iter_batches(batch_size=None, batch_format="pyarrow"):
            for row in batch.to_pylist():
                done.add(row.pop("shard"))
                bar.update(row.pop("docs"), row.pop("bytes"))
                seconds.update(row)
    if done != set(range(len(shards))):
        raise AssertionError(f"ray engine processed shards {sorted(done)}, expected 0..{len(shards) - 1}")
    return [t.cleaned for t in tasks], [t.keys for t in tasks], seconds
