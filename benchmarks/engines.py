"""Benchmark the document phase and the duplicate clusters on the local engine and on Ray Data.

Makes the corpus with ``../shared/bench/make_corpus.py`` (needs gensim; cached in the work
folder) unless ``--corpus`` names a JSONL file, ingests it once, then runs template lines, the
per-document stages and the dedup keys with each engine over the same shards. Prints seconds and
docs/s per engine (Ray's start-up is timed apart and included in its total), the ratio, and
whether the two engines wrote byte-identical shards. Then clusters the duplicates of those keys
(`cluster_duplicates`) in the driver and on Ray (`engines/ray_dedup.py`, twice: the first run
includes starting the workers' processes) and prints the seconds and whether the tables are equal.

Usage: python benchmarks/engines.py [--n 20000] [--workers 2] [--batch-size 512]
                                    [--corpus FILE.jsonl] [--workdir DIR]
Needs ray[data] (``pip install 'corpus-kit[ray]'``).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_kit.config import BuildConfig

REPO = Path(__file__).resolve().parents[1]
MAKE_CORPUS = REPO / ".." / "shared" / "bench" / "make_corpus.py"


def _corpus(n: int, workdir: Path) -> Path:
    path = workdir / f"corpus_{n}.jsonl"
    if not path.exists():
        if not MAKE_CORPUS.exists():
            raise SystemExit(f"{MAKE_CORPUS} not found; pass --corpus FILE.jsonl")
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--n", str(n), "--out", str(path)], check=True)
    return path


def _same_bytes(a: list[Path], b: list[Path]) -> bool:
    return len(a) == len(b) and all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="documents in the generated corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--corpus", type=Path, help="an existing JSONL corpus (id, text, url)")
    parser.add_argument(
        "--workdir", type=Path, help="folder for the corpus and the shards (default: a temp dir)"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import ray

    from corpus_kit.config import load_config
    from corpus_kit.engines.local import WorkerPool, worker_count
    from corpus_kit.engines.ray import run_document_phase, sum_template_counts
    from corpus_kit.engines.shards import count_templates

    build = importlib.import_module("corpus_kit.builder")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="corpus-kit-engines-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or _corpus(args.n, workdir)
    cfg = load_config(
        None,
        {
            "input.paths": [str(corpus.resolve())],
            "engine.workers": args.workers,
            "engine.batch_size": args.batch_size,
        },
    )
    work = workdir / "work"
    shutil.rmtree(work, ignore_errors=True)
    ingest = build.StageSummary("ingest")
    start = time.perf_counter()
    shards, _ = build._ingest(cfg, work, ingest)
    docs = ingest.docs_out
    mb = corpus.stat().st_size / 1e6
    print(
        f"corpus: {corpus} ({mb:.1f} MB), {docs:,} documents in {len(shards)} shards; "
        f"ingest {time.perf_counter() - start:.1f}s; {args.workers} workers"
    )

    start = time.perf_counter()
    with WorkerPool(worker_count(cfg.engine.workers)) as pool:
        local_cleaned, local_keys, local_seconds = build._document_phase(shards, cfg, work / "local", pool)
    local = time.perf_counter() - start
    print(
        f"local: {local:7.1f}s  {docs / local:7.0f} docs/s  {mb / local:5.2f} MB/s  "
        f"templates {local_seconds['templates']:.1f}s"
    )

    start = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    startup = time.perf_counter() - start
    try:
        # Counted per shard as the build's ingest does (there, on its pool, while ingesting), summed on Ray.
        counting = time.perf_counter()
        templates = sum_template_counts([count_templates(p, cfg) for p in shards], cfg)
        counting = time.perf_counter() - counting
        ray_cleaned, ray_keys, _ = run_document_phase(shards, templates, cfg, work / "ray")
        total = time.perf_counter() - start
        clusters, same_clusters = _time_clusters(local_keys, cfg)
    finally:
        ray.shutdown()
    print(
        f"ray:   {total:7.1f}s  {docs / total:7.0f} docs/s  {mb / total:5.2f} MB/s  "
        f"start-up {startup:.1f}s, templates {counting:.1f}s; "
        f"without start-up {docs / (total - startup):.0f} docs/s"
    )
    print(f"ray / local time: {total / local:.2f}x (without Ray start-up {(total - startup) / local:.2f}x)")
    identical = _same_bytes(local_cleaned + local_keys, ray_cleaned + ray_keys)
    print(f"byte-identical shards: {identical}")
    print(f"{clusters}; equal: {same_clusters}")
    return 0 if identical and same_clusters else 1


def _time_clusters(key_paths: list[Path], cfg: BuildConfig) -> tuple[str, bool]:
    """Time `cluster_duplicates` of the keys locally and on the running Ray; return the timings and
    whether the tables are equal."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpus_kit.engines.ray import session
    from corpus_kit.engines.ray_dedup import duplicate_components
    from corpus_kit.stages.near_dup import cluster_duplicates

    keys = pa.concat_tables([pq.read_table(p) for p in key_paths])
    start = time.perf_counter()
    local = cluster_duplicates(keys, cfg.dedup)
    seconds = [time.perf_counter() - start]
    same = True
    with session(cfg):
        for _ in range(2):
            start = time.perf_counter()
            same &= cluster_duplicates(keys, cfg.dedup, components=duplicate_components).equals(local)
            seconds.append(time.perf_counter() - start)
    dups = local.column("is_duplicate").to_numpy().sum()
    return (
        f"clusters of {keys.num_rows:,} keys ({dups:,} duplicates): local {seconds[0]:.2f}s, "
        f"ray {seconds[1]:.2f}s (then {seconds[2]:.2f}s with warm workers)"
    ), same


if __name__ == "__main__":
    raise SystemExit(main())
