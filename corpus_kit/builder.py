"""`build`: ingest → clean → quality → language → dedup → splits → validate → package.

Data flows through Parquet shards in a work folder next to the release, so memory stays bounded
by the batch size (plus the global template-line and dedup indexes). The release is staged in a
hidden folder and appears with one rename; an existing version is never rewritten.
"""

from __future__ import annotations

import functools
import json
import logging
import resource
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_kit import pipeline, schema
from corpus_kit.config import BuildConfig
from corpus_kit.engines.local import WorkerPool, worker_count
from corpus_kit.engines.shards import count_templates, process_shard, shard_tasks
from corpus_kit.errors import ConfigError, CorpusKitError, InputError, SchemaError, ValidationError
from corpus_kit.ingest import ingest_records, rejects_table
from corpus_kit.loaders import read_inputs
from corpus_kit.loaders.base import Reject
from corpus_kit.package import release as releases
from corpus_kit.package.atomic import write_text_atomic
from corpus_kit.package.card import ReleaseStats, SplitInfo, render_card
from corpus_kit.package.diff import diff_releases, format_diff
from corpus_kit.package.manifest import write_manifest
from corpus_kit.package.naming import release_dir
from corpus_kit.package.writer import write_splits
from corpus_kit.progress import stage_bar
from corpus_kit.stages.near_dup import ComponentsFn, cluster_duplicates, dedup_keys, duplicate_components
from corpus_kit.stages.quality import SIGNAL_COLUMNS, compute_quality_signals
from corpus_kit.stages.splits import assign_splits
from corpus_kit.tables import set_column
from corpus_kit.validation.runner import preload

logger = logging.getLogger(__name__)

_KEYS_ROW_GROUP = 8192  # rows per row group of the work folder's dedup keys file
_EXACT_COPY = "exact_copy"  # work column: a duplicate's text is an exact copy of its keeper's
# Items in flight per worker while ingesting: chunks of `ingest.PREPARE_CHUNK` records (so the
# workers seldom wait for the reader), and shards' template counts (small, and all merged at once,
# so the reader need not wait for them).
_PREPARE_AHEAD = 8
_COUNTS_AHEAD = 64


@dataclass
class StageSummary:
    name: str
    docs_in: int = 0
    docs_out: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class BuildReport:
    """What a build did: where the release is, whether it is new, and the run summary."""

    release: Path
    created: bool
    stats: ReleaseStats
    stages: list[StageSummary]
    validation: Any
    peak_rss_mb: float = 0.0  # the main process's peak RSS plus the largest worker's

    def summary(self) -> dict[str, Any]:
        """Return the run summary as plain data (saved next to the output)."""
        return {
            "release": str(self.release),
            "created": self.created,
            "documents_in": self.stats.documents_in,
            "documents_out": sum(s.num_examples for s in self.stats.splits),
            "rejected": self.stats.rejects_by_reason,
            "stages": [s.__dict__ for s in self.stages],
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


def _ingest_shards(
    cfg: BuildConfig, work: Path, summary: StageSummary, rejects: list[Reject], pool: WorkerPool
) -> Iterator[Path]:
    """Read the inputs, extract and normalize them on `pool`, and write shards; yield each when written.

    Fills `rejects` and `summary` (its `seconds`: this process's time in here, not while suspended).
    Raises `InputError` after the last shard when no document could be read.
    """
    shards = 0
    records = read_inputs(cfg.input.paths, cfg.input, Path(cfg.root))
    with stage_bar("ingest") as bar:
        resumed = time.perf_counter()
        prepare = functools.partial(pool.map_ordered, ahead=_PREPARE_AHEAD)
        for batch in ingest_records(records, cfg.engine.batch_size, prepare):
            bar.update(batch.table.num_rows + len(batch.rejects), batch.table.column("text").nbytes)
            rejects.extend(batch.rejects)
            if not batch.table.num_rows:
                continue
            path = work / "ingested" / f"{shards:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(batch.table, path, compression="zstd")
            shards += 1
            summary.docs_out += batch.table.num_rows
            summary.seconds += time.perf_counter() - resumed
            yield path
            resumed = time.perf_counter()
        summary.seconds += time.perf_counter() - resumed
    summary.rejected = dict(Counter(r.reason for r in rejects))
    summary.docs_in = summary.docs_out + len(rejects)
    if not shards:
        raise InputError(
            f"no documents could be read from {', '.join(cfg.input.paths)} ({len(rejects)} rejected)"
        )


def _ingest(cfg: BuildConfig, work: Path, summary: StageSummary) -> tuple[list[Path], list[Reject]]:
    """Ingest all inputs on a pool of `cfg.engine.workers`; return the shards and the rejects."""
    rejects: list[Reject] = []
    with WorkerPool(worker_count(cfg.engine.workers)) as pool:
        shards = list(_ingest_shards(cfg, work, summary, rejects, pool))
    return shards, rejects


def _exact_copies(table: pa.Table, key_tables: list[pa.Table]) -> pa.Array:
    """Flag the rows of `table` (`id`, `duplicate_of`) whose text hash equals their keeper's.

    `key_tables` hold the dedup keys of both (the keeper may be in an earlier release's index).
    """
    keys = pa.concat_tables([k.select(["id", "exact_hash"]) for k in key_tables])
    hashes = keys.column("exact_hash")
    own = hashes.take(pc.index_in(table.column("id"), value_set=keys.column("id")))
    keeper = hashes.take(pc.index_in(table.column("duplicate_of"), value_set=keys.column("id")))
    return pc.fill_null(pc.equal(own, keeper), False).combine_chunks()


def _duplicate_rejects(cleaned: pa.Table) -> list[Reject]:
    """Return a reject for every row marked `is_duplicate`: exact when `exact_copy` is set."""
    dups = cleaned.filter(pc.fill_null(cleaned.column("is_duplicate"), False))
    out = []
    for row in dups.select(["id", "source", "record", "duplicate_of", _EXACT_COPY]).to_pylist():
        reason = schema.REJECT_EXACT_DUPLICATE if row[_EXACT_COPY] else schema.REJECT_NEAR_DUPLICATE
        out.append(
            Reject(row["source"], row["record"], reason, f"duplicate of {row['duplicate_of']}", row["id"])
        )
    return out


def _attach_duplicates(table: pa.Table, dups: pa.Table) -> pa.Table:
    """Add the cluster columns of `dups` to `table` by id (rows without a cluster get nulls)."""
    index = pc.index_in(table.column("id"), value_set=dups.column("id"))
    table = set_column(table, "dup_cluster", dups.column("dup_cluster").take(index))
    table = set_column(table, "is_duplicate", pc.fill_null(dups.column("is_duplicate").take(index), False))
    table = set_column(table, "duplicate_of", dups.column("duplicate_of").take(index))
    return set_column(table, _EXACT_COPY, pc.fill_null(dups.column(_EXACT_COPY).take(index), False))


@dataclass(frozen=True)
class _FinishTask:
    cleaned: Path
    dups: pa.Table  # the clusters of this shard's documents, with `exact_copy`
    cfg: BuildConfig
    folder: Path


def _finish_shard(task: _FinishTask) -> tuple[list[Path], list[Reject], Counter]:
    """Join a shard's clusters, assign splits, and route its rows to rejects or `folder/{split}/`."""
    joined = _attach_duplicates(pq.read_table(task.cleaned), task.dups)
    rejects, quality = [], Counter()
    for row in (
        joined.filter(pc.is_valid(joined.column("reject_reason")))
        .select(["id", "source", "record", "reject_reason"])
        .to_pylist()
    ):
        rejects.append(Reject(row["source"], row["record"], row["reject_reason"], "", row["id"]))
        quality[row["reject_reason"]] += 1
    kept = joined.filter(pc.is_null(joined.column("reject_reason")))
    rejects.extend(_duplicate_rejects(kept))
    kept = kept.filter(pc.invert(kept.column("is_duplicate")))
    # The release columns, and the clean stage's leftover scores for this build's validation.
    columns = [*schema.RELEASE.names, *({schema.LEFTOVER_SCORE.name} & set(kept.column_names))]
    kept = assign_splits(kept, task.cfg.splits).select(columns)
    parts = []
    for name in task.cfg.splits.ratios:
        rows = kept.filter(pc.equal(kept.column("split"), name))
        if rows.num_rows:
            parts.append(task.folder / name / task.cleaned.name)
            parts[-1].parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(rows, parts[-1])
    return parts, rejects, quality


def _by_shard(dups: pa.Table, keys: pa.Table, sizes: list[int]) -> list[pa.Table]:
    """Cut `dups` into the rows of each shard, given the shards' key tables concatenated in `keys`."""
    position = np.asarray(pc.index_in(dups.column("id"), value_set=keys.column("id")))
    shard = np.searchsorted(np.cumsum(sizes), position, side="right")
    order = np.argsort(shard, kind="stable")
    ends = np.cumsum(np.bincount(shard, minlength=len(sizes)))
    ordered = dups.take(pa.array(order))
    return [
        ordered.slice(end - size, size)
        for end, size in zip(ends.tolist(), np.diff([0, *ends]).tolist(), strict=True)
    ]


#: Release rows, in memory or in a Parquet file of the work folder.
Part = pa.Table | Path


def _load(part: Part, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(part, columns=columns) if isinstance(part, Path) else part


def _rows(parts: list[Part]) -> int:
    return sum(pq.read_metadata(p).num_rows if isinstance(p, Path) else p.num_rows for p in parts)


def _stats(parts: list[Part], rejects: list[Reject], documents_in: int) -> dict[str, Any]:
    lines: Counter = Counter()
    languages: Counter = Counter()
    clusters = 0
    for part in parts:
        t = _load(part, ["removed_lines", "lang", "dup_cluster"])
        lines.update(pc.struct_field(pc.list_flatten(t.column("removed_lines")), "reason").to_pylist())
        languages.update(t.column("lang").to_pylist())
        clusters += t.num_rows - t.column("dup_cluster").null_count  # one keeper per cluster
    return {
        "documents_in": documents_in,
        "rejects_by_reason": dict(sorted(Counter(r.reason for r in rejects).items())),
        "removed_lines_by_reason": dict(sorted(lines.items())),
        "languages": dict(sorted(languages.items())),
        "duplicate_clusters": clusters,
    }


def _validate(parts: list[Part], keys: pa.Table | Path, cfg: BuildConfig, own_stages: bool):
    """Validate the release rows split by split, reading Parquet parts in chunks.

    `own_stages`: the `lang` column (and `leftover_score`, where the parts have it) are this build's
    stages' on the release text, and so are `keys` (the dedup keys of the kept documents), so the
    language, boilerplate and duplicate checks read them instead of computing them again.
    """
    from corpus_kit.validation import params_from_config, validate_splits
    from corpus_kit.validation.context import KnownKeys, LanguageLabels, LeftoverScores

    splits: dict[str, Any] = {}
    for name in cfg.splits.ratios:
        files = [p for p in parts if isinstance(p, Path) and p.parent.name == name]
        tables = [t.filter(pc.equal(t.column("split"), name)) for t in parts if isinstance(t, pa.Table)]
        tables = [t for t in tables if t.num_rows]
        if files or tables:
            splits[name] = files or pa.concat_tables(tables)
    params = params_from_config(cfg)
    labels = [LanguageLabels("text", "lang", cfg.langid)] if own_stages else []
    scores = [LeftoverScores("text", schema.LEFTOVER_SCORE.name, cfg.boilerplate)] if own_stages else []
    known = [KnownKeys("text", keys, cfg.dedup)] if own_stages else []
    return validate_splits(
        splits,
        cfg.validate.suite,
        params=params,
        workers=cfg.engine.workers,
        labels=labels,
        scores=scores,
        keys=known,
    )


@dataclass(frozen=True)
class _ReleaseData:
    """The data files `_write_data` wrote, the release's numbers and its changelog entry."""

    written: dict  # split -> (shard names, examples, bytes)
    stats: dict[str, Any]
    previous: Path | None  # the latest earlier release, which the entry is a diff against
    entry: str
    seconds: float


def _write_data(
    staged: Path,
    parts: list[Part],
    keys: pa.Table | Path,
    rejects: list[Reject],
    documents_in: int,
    cfg: BuildConfig,
) -> _ReleaseData:
    """Write the split shards and the dedup index; count the release's numbers and diff it with the last."""
    from corpus_kit.package.dedup_index import write_dedup_index

    start = time.perf_counter()
    written = write_splits(
        (_load(p, schema.RELEASE.names) for p in parts), staged, cfg.splits.ratios, cfg.package
    )
    write_dedup_index(keys, staged / "dedup_index.parquet")
    stats = _stats(parts, rejects, documents_in)
    previous = releases.previous_release(_dataset_dir(cfg), cfg.dataset.version)
    entry = format_diff(diff_releases(previous, staged, cfg.dataset.version))
    return _ReleaseData(written, stats, previous, entry, time.perf_counter() - start)


def _dataset_dir(cfg: BuildConfig) -> Path:
    return Path(cfg.resolve(cfg.package.output_dir)) / cfg.dataset.name


def _write_release(
    staged: Path, data: _ReleaseData, rejects: list[Reject], cfg: BuildConfig, report
) -> ReleaseStats:
    """Write the rest of a release next to its data files."""
    splits = tuple(SplitInfo(name, tuple(files), n, b) for name, (files, n, b) in data.written.items())
    release_stats = ReleaseStats(splits=splits, validation=tuple(report.summary()), **data.stats)
    rows = rejects_table(sorted(rejects, key=lambda r: (r.source, r.record, r.reason))).to_pylist()
    write_text_atomic(staged / "rejects.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    earlier = (data.previous / "CHANGELOG.md").read_text(encoding="utf-8") if data.previous else ""
    write_text_atomic(
        staged / "CHANGELOG.md",
        f"# Changelog of {cfg.dataset.name}\n\n{data.entry}" + earlier.partition("\n\n")[2],
    )
    write_text_atomic(staged / "README.md", render_card(cfg, release_stats, data.entry))
    write_manifest(staged, _manifest_fields(cfg))
    return release_stats


def _manifest_fields(cfg: BuildConfig) -> dict[str, Any]:
    from corpus_kit.provenance import config_hash, input_hash, library_versions

    return {
        "name": cfg.dataset.name,
        "version": cfg.dataset.version,
        "schema_version": schema.SCHEMA_VERSION,
        "config": cfg.to_dict(),
        "config_sha256": config_hash(cfg),
        "inputs_sha256": input_hash(cfg),
        "libraries": library_versions(),
    }


def _previous_index(cfg: BuildConfig):
    """Return the dedup index of the latest earlier release, so new documents dedup against it."""
    from corpus_kit.package.dedup_index import read_dedup_index

    previous = releases.previous_release(_dataset_dir(cfg), cfg.dataset.version)
    return read_dedup_index(previous / "dedup_index.parquet") if previous else None


def _counted_shards(
    shards: Iterable[Path], cfg: BuildConfig, pool: WorkerPool
) -> tuple[list[Path], list[pa.Table], float]:
    """Count the template lines of each shard on `pool`; return the shards, their counts and the
    seconds counting took.

    `shards` may be lazy (shards as ingest writes them): each is counted as soon as it exists, and
    the seconds leave out the time spent producing `shards`.
    """
    start = time.perf_counter()
    ingested: list[Path] = []
    producing = 0.0

    def paths() -> Iterator[Path]:
        nonlocal producing
        remaining = iter(shards)
        while True:
            before = time.perf_counter()
            path = next(remaining, None)
            producing += time.perf_counter() - before
            if path is None:
                return
            ingested.append(path)
            yield path

    counting = functools.partial(count_templates, cfg=cfg)
    counts = list(pool.map_ordered(counting, paths(), ahead=_COUNTS_AHEAD))
    return ingested, counts, time.perf_counter() - start - producing


def _document_phase(
    shards: Iterable[Path], cfg: BuildConfig, work: Path, pool: WorkerPool
) -> tuple[list[Path], list[Path], Counter]:
    """Run template counting and the per-document stages over ingested shards on the local engine.

    `shards` may be lazy (see `_counted_shards`).
    """
    ingested, counts, counting = _counted_shards(shards, cfg, pool)
    start = time.perf_counter()
    templates = pipeline.merge_templates(counts, cfg)
    del counts
    # Merging sums every shard's counts at once; give that working memory back to the system
    # before the document phase instead of holding it until the build ends.
    pa.default_memory_pool().release_unused()
    tasks = shard_tasks(ingested, work, cfg, templates)
    seconds: Counter = Counter({"templates": counting + time.perf_counter() - start})
    total = sum(pq.read_metadata(p).num_rows for p in ingested)
    preload()  # the validation's import, while this process only waits for the workers
    with stage_bar("clean, quality, langid", total) as bar:
        for shard_seconds, docs, nbytes in pool.map_ordered(process_shard, tasks):
            seconds.update(shard_seconds)
            bar.update(docs, nbytes)
    return [t.cleaned for t in tasks], [t.keys for t in tasks], seconds


def _dedup_and_split(
    cleaned: list[Path],
    key_paths: list[Path],
    cfg: BuildConfig,
    rejects: list[Reject],
    work: Path,
    components: ComponentsFn = duplicate_components,
) -> tuple[list[Path], Counter, Path]:
    """Cluster duplicates and write the release rows by split; return them and the dedup keys file.

    `components` finds the clusters (see `cluster_duplicates`). The keys go to the work folder, so
    neither they nor the clusters stay in memory while the release is validated.
    """
    tables = [pq.read_table(p) for p in key_paths]
    keys = pa.concat_tables(tables)
    previous = _previous_index(cfg)
    dups = cluster_duplicates(keys, cfg.dedup, previous, components)
    dups = dups.append_column(
        _EXACT_COPY, _exact_copies(dups, [keys, *([previous.keys] if previous else [])])
    )
    per_shard = _by_shard(dups, keys, [t.num_rows for t in tables])
    # Sorted by id, so the release's dedup index is copied from this file row group by row group;
    # small row groups, so reading one back never decodes much of the keys at once.
    sorted_keys = keys.take(pc.sort_indices(keys, sort_keys=[("id", "ascending")]))
    pq.write_table(sorted_keys, work / "keys.parquet", row_group_size=_KEYS_ROW_GROUP)
    del (
        keys,
        sorted_keys,
        tables,
        dups,
    )  # the shards' clusters are in `per_shard`: free the rest before the joins
    pa.default_memory_pool().release_unused()
    tasks = [_FinishTask(path, d, cfg, work / "release") for path, d in zip(cleaned, per_shard, strict=True)]
    parts, quality = [], Counter()
    with WorkerPool(worker_count(cfg.engine.workers)) as pool:
        for shard_parts, shard_rejects, shard_quality in pool.map_ordered(_finish_shard, tasks):
            parts += shard_parts
            rejects += shard_rejects
            quality.update(shard_quality)
    return parts, quality, work / "keys.parquet"


def _stage_summaries(
    ingest: StageSummary, quality: Counter, rejects: list[Reject], kept: int, seconds: Counter
):
    docs = ingest.docs_out
    passed = docs - sum(quality.values())
    duplicates = (schema.REJECT_EXACT_DUPLICATE, schema.REJECT_NEAR_DUPLICATE)
    dropped = Counter(r.reason for r in rejects if r.reason in duplicates)
    return [
        ingest,
        StageSummary("clean", docs, docs, {}, seconds["templates"] + seconds["clean"]),
        StageSummary("langid", docs, docs, {}, seconds["langid"]),
        StageSummary("quality", docs, passed, dict(quality), seconds["quality"]),
        StageSummary("dedup", passed, kept, dict(dropped), seconds["dedup_keys"] + seconds["dedup"]),
    ]


def _local_phases(
    cfg: BuildConfig, work: Path, ingest: StageSummary, rejects: list[Reject]
) -> tuple[list[Part], Counter, pa.Table, Counter]:
    """Ingest, the document phase and the duplicate clusters of a build on the local engine."""
    with WorkerPool(worker_count(cfg.engine.workers)) as pool:
        shards = _ingest_shards(cfg, work, ingest, rejects, pool)
        cleaned, key_paths, seconds = _document_phase(shards, cfg, work, pool)
    # New workers from here on: the document phase's ones hold its models and heap.
    start = time.perf_counter()
    parts, quality, keys = _dedup_and_split(cleaned, key_paths, cfg, rejects, work)
    seconds["dedup"] += time.perf_counter() - start
    return parts, quality, keys, seconds


def _ray_phases(
    cfg: BuildConfig,
    work: Path,
    ingest: StageSummary,
    rejects: list[Reject],
    ray_address: str | None,
    ray_session: ExitStack,
) -> tuple[list[Part], Counter, pa.Table, Counter]:
    """Ingest, the document phase and the duplicate clusters of a build on the Ray engine.

    Ray starts while ingest runs (on a thread, with its own process pool): a local instance takes
    seconds to start, which ingest would otherwise wait for or add to. Each shard's template lines
    are counted as ingest writes it, as locally; Ray sums them. One Ray instance serves the document
    phase and the duplicate clusters; it is left open in `ray_session` for the caller to close.
    Returns `_dedup_and_split`'s results and the stage seconds.
    """
    from corpus_kit.engines import ray as ray_engine
    from corpus_kit.engines import ray_dedup

    def ingest_and_count() -> tuple[list[Path], list[pa.Table], float]:
        with WorkerPool(worker_count(cfg.engine.workers)) as pool:
            return _counted_shards(_ingest_shards(cfg, work, ingest, rejects, pool), cfg, pool)

    with ThreadPoolExecutor(1) as thread:
        ingesting = thread.submit(ingest_and_count)
        # Ray starts in the main thread (started in another, it lost its GCS connection).
        ray_session.enter_context(ray_engine.session(cfg, ray_address))
        ray_engine.warm_up(cfg)  # the workers start and load their models while ingest runs
        shards, counts, counting = ingesting.result()
    start = time.perf_counter()
    templates = ray_engine.sum_template_counts(counts, cfg)
    del counts
    counting += time.perf_counter() - start
    preload()  # the validation's import, while the driver waits for Ray
    cleaned, key_paths, ray_seconds = ray_engine.run_document_phase(shards, templates, cfg, work)
    seconds = Counter(ray_seconds)
    seconds["templates"] += counting
    start = time.perf_counter()
    parts, quality, keys = _dedup_and_split(
        cleaned, key_paths, cfg, rejects, work, ray_dedup.duplicate_components
    )
    seconds["dedup"] += time.perf_counter() - start
    return parts, quality, keys, seconds


def build(cfg: BuildConfig, engine: str = "local", ray_address: str | None = None) -> BuildReport:
    """Run the whole chain from `cfg`; write (or confirm) the release; return the report.

    `engine` runs the document phase and the duplicate clusters on a local process pool ("local")
    or on Ray Data ("ray", extra `corpus-kit[ray]`; on the cluster at `ray_address`, else a local
    Ray instance). The release is byte-identical either way.
    Raises `ValidationError` when the dataset fails its suite or no document is left (nothing is
    published then).
    """
    if engine not in ("local", "ray"):
        raise ConfigError(f"engine {engine!r} is not one of 'local', 'ray'")
    output = Path(cfg.resolve(cfg.package.output_dir))
    work = output / f".work-{cfg.dataset.name}-{cfg.dataset.version}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        ingest = StageSummary("ingest")
        rejects: list[Reject] = []
        with ExitStack() as ray_session:
            if engine == "ray":
                phases = _ray_phases(cfg, work, ingest, rejects, ray_address, ray_session)
            else:
                phases = _local_phases(cfg, work, ingest, rejects)
            parts, quality, keys, seconds = phases
            kept = _rows(parts)
            if ingest.docs_in != kept + len(rejects):
                raise AssertionError(
                    f"records in {ingest.docs_in} != rows out {kept} + rejects {len(rejects)}"
                )
            if not kept:
                reasons = Counter(reject.reason for reject in rejects).most_common()
                raise ValidationError(
                    f"no document is left to publish: all {ingest.docs_in:,} records were rejected ("
                    + ", ".join(f"{reason} {count:,}" for reason, count in reasons)
                    + "); nothing was published"
                )
            stages = _stage_summaries(ingest, quality, rejects, kept, seconds)
            package = functools.partial(
                package_release,
                parts,
                keys,
                rejects,
                cfg,
                ingest.docs_in,
                stages,
                own_stages=True,
                validated=seconds["leftover"],
            )
            if engine == "local":
                return package()
            with ThreadPoolExecutor(1) as thread:
                packaging = thread.submit(package)
                ray_session.close()  # Ray shuts down while the release is written
                return packaging.result()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def package_release(
    parts: list[Part],
    keys: pa.Table | Path,
    rejects: list[Reject],
    cfg: BuildConfig,
    documents_in: int,
    stages: list[StageSummary] | None = None,
    own_stages: bool = False,
    validated: float = 0.0,
) -> BuildReport:
    """Validate release rows and write them as release `cfg.dataset.version`.

    `parts` are tables or Parquet files of release rows with `split` set, read one at a time;
    `keys` the dedup keys of the kept documents (a table or its Parquet file); `own_stages`: the
    rows' `lang` is the language stage's with `cfg.langid` on their text, their `leftover_score`
    (if any) the clean stage's with `cfg.boilerplate`, and `keys` the dedup stage's with `cfg.dedup`
    (validation reads them); `validated`: seconds the stages already spent computing them for the
    validation, counted in its time.

    Raises `ValidationError` when a split fails the suite, `ReleaseError` when the version
    exists with other content. The release appears with one rename, or not at all.
    """
    stages = list(stages or [])
    output = Path(cfg.resolve(cfg.package.output_dir))
    final = release_dir(output, cfg.dataset.name, cfg.dataset.version)
    staged = output / f".staged-{cfg.dataset.name}-{cfg.dataset.version}"
    shutil.rmtree(staged, ignore_errors=True)
    kept = _rows(parts)
    try:
        staged.mkdir(parents=True)
        # The data files, the release's numbers and its diff do not depend on the validation's
        # outcome: a thread does them meanwhile (Arrow's reading, encoding and compression run
        # without the GIL, on the core Great Expectations leaves idle). They are deleted with the
        # staged folder unless the release is committed.
        with ThreadPoolExecutor(1, thread_name_prefix="release-data") as writer:
            written = writer.submit(_write_data, staged, parts, keys, rejects, documents_in, cfg)
            report = _validate(parts, keys, cfg, own_stages)
            data = written.result()
        stages.append(StageSummary("validate", kept, kept, {}, report.worker_seconds + validated))
        if report.error:
            raise CorpusKitError(f"validation could not run to the end:\n{report.format_table()}")
        if not report.success:
            suite = cfg.validate.suite
            raise ValidationError(
                f"the dataset failed the {suite!r} suite; nothing was published\n{report.format_table()}"
            )
        start = time.perf_counter()
        stats = _write_release(staged, data, rejects, cfg, report)
        created = releases.commit_release(staged, final)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    stages.append(StageSummary("package", kept, kept, {}, data.seconds + time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = BuildReport(final, created, stats, stages, report, peak)
    summary = json.dumps(result.summary(), indent=2) + "\n"
    write_text_atomic(output / ".runs" / f"{cfg.dataset.name}-{cfg.dataset.version}.json", summary)
    return result


def package_table(table: pa.Table, cfg: BuildConfig, source: str = "") -> BuildReport:
    """Package rows that already went through clean, langid and dedup (e.g. the stage commands' output).

    Missing `source`, `record`, `url` and `title` are filled (`source` with the given name, `record`
    with the row number); duplicates (`is_duplicate`) go to the rejects; splits are assigned here.
    """
    defaults = {
        "source": pa.array([source] * table.num_rows, pa.string()),
        "record": pa.array(range(table.num_rows), pa.int64()),
        "url": pa.nulls(table.num_rows, pa.string()),
        "title": pa.nulls(table.num_rows, pa.string()),
    }
    for name, values in defaults.items():
        if name not in table.column_names:
            table = table.append_column(name, values)
    table = compute_quality_signals(table, cfg.quality)
    signals = set(SIGNAL_COLUMNS) | {"split"}
    needed = [n for n in schema.RELEASE.names if n not in signals and n not in table.column_names]
    if needed:
        raise SchemaError(
            f"{source or 'input'}: missing {needed}; run `corpus-kit clean`, `langid` and `dedup` first"
        )
    failed = table.filter(pc.is_valid(table.column("reject_reason")))
    rejects = [
        Reject(r["source"], r["record"], r["reject_reason"], "", r["id"])
        for r in failed.select(["source", "record", "id", "reject_reason"]).to_pylist()
    ]
    table = pipeline.kept_for_dedup(table)
    keys = dedup_keys(table, cfg.dedup)
    table = table.append_column(_EXACT_COPY, _exact_copies(table, [keys]))
    rejects += _duplicate_rejects(table)
    kept = table.filter(pc.invert(pc.fill_null(table.column("is_duplicate"), False)))
    kept = assign_splits(kept, cfg.splits).select(schema.RELEASE.names)
    return package_release([kept], keys, rejects, cfg, table.num_rows + len(failed))
