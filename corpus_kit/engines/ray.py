"""The Ray Data engine: the document phase of a build as Ray Data operators (extra `corpus-kit[ray]`).

Same stage functions, same shards, same bytes as the local engine. A dataset of shard numbers is
read shard by shard with pyarrow (so every batch has the ingested schema, metadata included), then:

1. template lines: `pipeline.template_counts` as `map_batches` over Arrow blocks, summed per
   (site, line hash) by a hash-shuffle aggregation (`repartition` by key, then pyarrow's
   `group_by().aggregate` per block: no Python call per key);
   the summed table goes through `pipeline.merge_templates` on the driver, as the local engine's
   per-shard counts do (sums of sums are the same sums).
2. documents: `pipeline.run_document_stages` and `pipeline.batch_dedup_keys` in a callable class,
   so each Ray worker builds its per-process state (the seeded language detector) once.

Ray keeps the input order (`preserve_order`), and every row carries its shard number, so the
driver writes cleaned shard i with exactly the rows of ingested shard i, in order, with pyarrow
(Ray's Parquet writer would change the files). The dedup keys of a batch cover only its kept rows;
they travel matched to the rows by id (null for the others) and are cut back out on the driver.

Ray is imported only here; without it, `run_document_phase` raises `ConfigError` with the install
hint. Paths are read and written by the driver and the workers alike, so on a multi-node cluster
the output folder must be on storage every node sees, and corpus-kit must be installed on every node.
"""

from __future__ import annotations

import logging
import time
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
from corpus_kit.errors import ConfigError
from corpus_kit.progress import stage_bar
from corpus_kit.stages.near_dup import keys_schema
from corpus_kit.stages.template_lines import TEMPLATE_COUNTS, TemplateLines

logger = logging.getLogger(__name__)

_SHARD = "_shard"
_KEY = "_key_"  # prefix of the dedup key columns carried next to the cleaned columns
_SECONDS = "_seconds_"  # prefix of per-stage seconds: a batch's total on its first row, 0.0 elsewhere
_TEMPLATE_COLUMNS = ("text", "url", "source")
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


def _read_shards(items: pa.Table, columns: list[str] | None = None) -> pa.Table:
    """Read the ingested shards named in `items` (columns `shard`, `path`), adding a `_shard` column."""
    tables = []
    for shard, path in zip(items.column("shard").to_pylist(), items.column("path").to_pylist(), strict=True):
        table = pq.read_table(path, columns=columns)
        tables.append(table.append_column(_SHARD, pa.array(np.full(table.num_rows, shard, np.int32))))
    return pa.concat_tables(tables)


def _count_templates(table: pa.Table, cfg: BuildConfig) -> pa.Table:
    """Count template lines of a batch, with the sort shuffle's key columns (see `_sum_template_counts`)."""
    counts = pipeline.template_counts(table.drop_columns([_SHARD]), cfg)
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


def _sum_template_counts(counts: Any, parallelism: int) -> pa.Table:
    """Sum template counts per (site, line hash) with a distributed aggregation; return `TEMPLATE_COUNTS`.

    A hash shuffle sends every key to one of `parallelism` blocks (`repartition` by key), where
    pyarrow sums it: no Python call per key. Ray's sort-shuffle `groupby().sum()` took 10x longer
    (60 s against 5.6 s for the 1.3 M count rows of the 100k benchmark corpus on 2 cores). The
    driver sums the blocks' rows once more, so a key Ray split over two blocks is still counted once.
    The line hash travels as the int64 with the same bits, and a site's document count (null line
    hash) as line hash 0 with `is_total` set; both are undone here.
    """
    summed = counts.repartition(parallelism, keys=list(_COUNT_KEYS)).map_batches(
        _sum_block, batch_size=None, batch_format="pyarrow"
    )
    table = pa.concat_tables(summed.iter_batches(batch_size=None, batch_format="pyarrow"))
    table = _sum_block(table.rename_columns([*_COUNT_KEYS, "n_docs"]))
    line_hash = table.column("line_hash").combine_chunks().view(pa.uint64())
    line_hash = pc.if_else(table.column("is_total"), pa.scalar(None, pa.uint64()), line_hash)
    return pa.Table.from_arrays(
        [table.column("site"), line_hash, table.column("n_docs_sum")], schema=TEMPLATE_COUNTS
    )


def _first_row(value: float, n: int) -> pa.Array:
    values = np.zeros(n, np.float64)
    if n:
        values[0] = value
    return pa.array(values)


def _align_to_rows(keys: pa.Table, ids: pa.ChunkedArray) -> list[pa.Array]:
    """Return the columns of `keys` matched to the rows with `ids` by id (ids are unique), null if absent."""
    index = pc.index_in(ids, value_set=keys.column("id"))
    return [column.combine_chunks().take(index) for column in keys.columns]


class _DocumentStages:
    """Run the per-document stages and the dedup keys on a batch (one instance per Ray worker)."""

    def __init__(self, cfg: BuildConfig, templates: TemplateLines | None) -> None:
        self.cfg = cfg
        self.templates = templates

    def __call__(self, batch: pa.Table) -> pa.Table:
        shard = batch.column(_SHARD)
        table, seconds = pipeline.run_document_stages(batch.drop_columns([_SHARD]), self.cfg, self.templates)
        start = time.perf_counter()
        keys = pipeline.batch_dedup_keys(table, self.cfg)
        seconds["dedup_keys"] = time.perf_counter() - start
        for name, column in zip(keys.column_names, _align_to_rows(keys, table.column("id")), strict=True):
            table = table.append_column(_KEY + name, column)
        table = table.append_column(_SHARD, shard)
        for name, value in seconds.items():
            table = table.append_column(_SECONDS + name, _first_row(value, table.num_rows))
        return table


def _split_output(table: pa.Table, cfg: BuildConfig) -> tuple[pa.Table, pa.Table, Counter]:
    """Split the rows of one shard into its cleaned table, its dedup keys and its stage seconds."""
    seconds: Counter = Counter()
    cleaned_names = []
    for name in table.column_names:
        if name.startswith(_SECONDS):
            seconds[name.removeprefix(_SECONDS)] += pc.sum(table.column(name)).as_py()
        elif not name.startswith(_KEY) and name != _SHARD:
            cleaned_names.append(name)
    kept = table.filter(pc.is_valid(table.column(_KEY + "id")))
    schema = keys_schema(cfg.dedup)
    keys = pa.Table.from_arrays([kept.column(_KEY + name) for name in schema.names], schema=schema)
    return table.select(cleaned_names), keys, seconds


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table.combine_chunks(), path, compression="zstd")


def _shard_runs(table: pa.Table) -> list[tuple[int, pa.Table]]:
    """Cut a batch into runs of consecutive rows of one shard."""
    shards = table.column(_SHARD).to_numpy()
    starts = [0, *(np.flatnonzero(shards[1:] != shards[:-1]) + 1).tolist()]
    ends = [*starts[1:], len(shards)]
    return [(int(shards[s]), table.slice(s, e - s)) for s, e in zip(starts, ends, strict=True)]


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
    shards: list[Path], cfg: BuildConfig, work: Path, address: str | None = None
) -> tuple[list[Path], list[Path], dict[str, float]]:
    """Run template lines, document stages and dedup keys over the ingested `shards` with Ray Data.

    Writes `work/cleaned/NNNNN.parquet` and `work/keys/NNNNN.parquet` for each ingested shard (same
    name, same rows, same bytes as the local engine) and returns their paths and the seconds spent
    per stage (`templates` on the driver's clock; `clean`, `quality`, `langid` and `dedup_keys`
    summed over batches). `address` is a Ray cluster (`ray://host:10001`, `auto`); None starts a
    local instance with `cfg.engine.workers` CPUs. A Ray instance already running in this process
    is used as it is and left running.
    """
    _import_ray()
    if not shards:
        return [], [], {}
    with session(cfg, address) as ray:
        return _run(ray, shards, cfg, work)


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
        ctx.execution_options.preserve_order,
        ctx.enable_progress_bars,
        ctx.print_on_execution_start,
        ctx.shuffle_strategy,
        ctx.hash_shuffle_operator_actor_num_cpus_override,
    )
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False  # the engine shows its own bar over shards written
    ctx.print_on_execution_start = False
    # Key-based `repartition` (the template-count aggregation) needs the hash shuffle. Its
    # aggregator actors reserve no CPU: reserving any left a 1-CPU instance unable to schedule
    # the map tasks feeding them, and the run hung.
    ctx.shuffle_strategy = ray.data.context.ShuffleStrategy.HASH_SHUFFLE
    ctx.hash_shuffle_operator_actor_num_cpus_override = 0
    try:
        yield
    finally:
        (
            ctx.execution_options.preserve_order,
            ctx.enable_progress_bars,
            ctx.print_on_execution_start,
            ctx.shuffle_strategy,
            ctx.hash_shuffle_operator_actor_num_cpus_override,
        ) = saved


def _run(
    ray: Any, shards: list[Path], cfg: BuildConfig, work: Path
) -> tuple[list[Path], list[Path], dict[str, float]]:
    cpus = cpu_count(ray)
    logger.info("ray engine: %d shards on %d CPUs", len(shards), cpus)
    items = ray.data.from_items(
        [{"shard": i, "path": str(p)} for i, p in enumerate(shards)], override_num_blocks=len(shards)
    )

    start = time.perf_counter()
    counts = items.map_batches(
        _read_shards, batch_size=1, batch_format="pyarrow", fn_kwargs={"columns": list(_TEMPLATE_COLUMNS)}
    ).map_batches(_count_templates, batch_size=None, batch_format="pyarrow", fn_kwargs={"cfg": cfg})
    summed = _sum_template_counts(counts, cpus)
    templates = pipeline.merge_templates([summed], cfg)
    seconds: Counter = Counter({"templates": time.perf_counter() - start})

    documents = items.map_batches(_read_shards, batch_size=1, batch_format="pyarrow").map_batches(
        _DocumentStages,
        batch_size=None,
        batch_format="pyarrow",
        fn_constructor_kwargs={"cfg": cfg, "templates": templates},
        compute=ray.data.ActorPoolStrategy(size=min(cpus, len(shards))),
    )
    cleaned_paths = [work / "cleaned" / p.name for p in shards]
    keys_paths = [work / "keys" / p.name for p in shards]
    for folder in ("cleaned", "keys"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    written: list[int] = []
    pending: list[pa.Table] = []
    current = 0
    total = sum(pq.read_metadata(p).num_rows for p in shards)
    batches = documents.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=1)
    with stage_bar("clean, quality, langid (ray)", total) as bar:
        for batch in batches:
            for shard, part in _shard_runs(batch):
                if shard != current and pending:
                    written.append(_flush(pending, cfg, cleaned_paths[current], keys_paths[current], seconds))
                    pending = []
                current = shard
                pending.append(part)
            bar.update(batch.num_rows, batch.column("text").nbytes)
        if pending:
            written.append(_flush(pending, cfg, cleaned_paths[current], keys_paths[current], seconds))
    if written != list(range(len(shards))):
        raise AssertionError(f"ray engine wrote shards {written}, expected 0..{len(shards) - 1} in order")
    return cleaned_paths, keys_paths, seconds


def _flush(
    parts: list[pa.Table], cfg: BuildConfig, cleaned_path: Path, keys_path: Path, seconds: Counter
) -> int:
    """Write the cleaned rows and dedup keys of one shard; add its seconds; return its number."""
    table = pa.concat_tables(parts)
    cleaned, keys, spent = _split_output(table, cfg)
    _write(cleaned, cleaned_path)
    _write(keys, keys_path)
    seconds.update(spent)
    return int(table.column(_SHARD)[0].as_py())
