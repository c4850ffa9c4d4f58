"""The chain of stages between ingest and packaging, as pure functions both engines run.

Per batch (any engine, any worker): boilerplate → language → quality signals → dedup keys.
Global (once, over small per-batch outputs): template-line counts before, duplicate clusters after.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from corpus_kit import schema
from corpus_kit.config import BuildConfig
from corpus_kit.stages.boilerplate import clean_pages
from corpus_kit.stages.langid import detect_languages
from corpus_kit.stages.near_dup import dedup_keys
from corpus_kit.stages.quality import compute_quality_signals
from corpus_kit.stages.template_lines import TemplateLines, count_template_lines, merge_template_counts
from corpus_kit.tables import set_column


def template_counts(table: pa.Table, cfg: BuildConfig) -> pa.Table:
    """Count candidate template lines of one batch (first pass of the template-line stage)."""
    return count_template_lines(table, cfg.boilerplate)


def merge_templates(counts: Iterable[pa.Table], cfg: BuildConfig) -> TemplateLines:
    """Merge per-batch template-line counts into the corpus-wide template lines."""
    return merge_template_counts(counts, cfg.boilerplate)


def run_document_stages(
    table: pa.Table, cfg: BuildConfig, templates: TemplateLines | None
) -> tuple[pa.Table, dict[str, float]]:
    """Run the per-document stages on one batch; return the table and seconds per stage."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    if cfg.boilerplate.enabled:
        cleaned = clean_pages(table, cfg.boilerplate, templates)
        seconds["clean"] = time.perf_counter() - start
        start = time.perf_counter()
        # Validation work, done while the classifier's line features are at hand: the leftover
        # scores spare the build's validation most of its boilerplate check.
        table = set_column(
            cleaned.table, schema.LEFTOVER_SCORE.name, cleaned.leftover_scores(cfg.boilerplate)
        )
        seconds["leftover"] = time.perf_counter() - start
    else:
        table = set_column(
            table, "removed_lines", pa.array([[]] * table.num_rows, pa.list_(schema.REMOVED_LINE))
        )
        table = set_column(table, "n_chars", pc.utf8_length(table.column("text")).cast(pa.int64()))
        seconds["clean"] = time.perf_counter() - start
    start = time.perf_counter()
    table = detect_languages(table, cfg.langid)
    seconds["langid"] = time.perf_counter() - start
    start = time.perf_counter()
    table = compute_quality_signals(table, cfg.quality)  # uses `lang` for its stopword list
    seconds["quality"] = time.perf_counter() - start
    return table, seconds


def kept_for_dedup(table: pa.Table) -> pa.Table:
    """Return the rows no earlier stage rejected (only they take part in deduplication)."""
    return table.filter(pc.is_null(table.column("reject_reason")))


def batch_dedup_keys(table: pa.Table, cfg: BuildConfig) -> pa.Table:
    """Compute the dedup keys of the rows of one batch that are still kept."""
    return dedup_keys(kept_for_dedup(table), cfg.dedup)
