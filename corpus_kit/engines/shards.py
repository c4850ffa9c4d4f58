"""The per-shard jobs of a build's document phase, run alike by the local and the Ray engine.

Each job reads one ingested Parquet shard and writes its outputs under the same name in the work
folder, so only paths, template counts and a few numbers travel between processes, and the files
are the same bytes whichever engine, process or machine wrote them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit import pipeline
from corpus_kit.config import BuildConfig
from corpus_kit.stages.template_lines import TemplateLines

#: Columns the template-line counts read.
TEMPLATE_COLUMNS = ["text", "url", "source"]


@dataclass(frozen=True)
class ShardTask:
    """One ingested shard, where its cleaned rows and dedup keys go, and what the stages need."""

    cfg: BuildConfig
    ingested: Path
    cleaned: Path
    keys: Path
    templates: TemplateLines | None


def shard_tasks(
    shards: list[Path], work: Path, cfg: BuildConfig, templates: TemplateLines | None
) -> list[ShardTask]:
    """Return the task of each shard: outputs `work/cleaned/NAME` and `work/keys/NAME` (folders made)."""
    for folder in ("cleaned", "keys"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    return [ShardTask(cfg, p, work / "cleaned" / p.name, work / "keys" / p.name, templates) for p in shards]


def count_templates(path: Path, cfg: BuildConfig) -> pa.Table:
    """Count the candidate template lines of one ingested shard."""
    return pipeline.template_counts(pq.read_table(path, columns=TEMPLATE_COLUMNS), cfg)


def process_shard(task: ShardTask) -> tuple[dict[str, float], int, int]:
    """Run the per-document stages and the dedup keys on one shard and write both.

    Returns the seconds per stage, the number of documents and their text bytes.
    """
    table = pq.read_table(task.ingested)
    docs, nbytes = table.num_rows, table.column("text").nbytes
    table, seconds = pipeline.run_document_stages(table, task.cfg, task.templates)
    start = time.perf_counter()
    keys = pipeline.batch_dedup_keys(table, task.cfg)
    seconds["dedup_keys"] = time.perf_counter() - start
    pq.write_table(table, task.cleaned, compression="zstd")
    pq.write_table(keys, task.keys, compression="zstd")
    return seconds, docs, nbytes
