"""The public API: what Python users and the CLI call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from corpus_kit import schema
from corpus_kit.builder import BuildReport, build, package_table
from corpus_kit.config import BuildConfig, DedupConfig, LangidConfig, LoaderConfig
from corpus_kit.ingest import IngestBatch, extract_html_rows, ingest_records
from corpus_kit.loaders import read_inputs
from corpus_kit.package.diff import ReleaseDiff, diff_releases
from corpus_kit.stages.normalize import normalize

__all__ = [
    "BuildReport",
    "build",
    "clean",
    "deduplicate",
    "detect_language",
    "diff",
    "ingest",
    "publish",
    "validate",
]


def ingest(
    paths: Sequence[str | Path], cfg: LoaderConfig | None = None, root: str | Path = "."
) -> IngestBatch:
    """Read and normalize every input into one table of `schema.INGESTED`, with its rejects."""
    batches = list(ingest_records(read_inputs(paths, cfg or LoaderConfig(), Path(root))))
    tables = [b.table for b in batches]
    rejects = [r for b in batches for r in b.rejects]
    return IngestBatch(pa.concat_tables(tables) if tables else schema.INGESTED.empty_table(), rejects)


def clean(table: pa.Table, cfg: BuildConfig | None = None) -> pa.Table:
    """Normalize `text` and remove boilerplate lines (template lines, then the line classifier).

    Rows without `text` are read from their `html` (visible lines, scored by the HTML model).
    """
    from corpus_kit.stages.boilerplate import clean_table

    return clean_table(normalize(extract_html_rows(table)), (cfg or BuildConfig()).boilerplate)


def detect_language(table: pa.Table, cfg: LangidConfig | None = None) -> pa.Table:
    """Add `lang`, `lang_prob` and `lang_mix` computed from `text`."""
    from corpus_kit.stages.langid import detect_languages

    return detect_languages(table, cfg or LangidConfig())


def deduplicate(table: pa.Table, cfg: DedupConfig | None = None) -> pa.Table:
    """Add `dup_cluster`, `is_duplicate` and `duplicate_of` (exact and near duplicates)."""
    from corpus_kit.stages.near_dup import mark_duplicates

    return mark_duplicates(table, cfg or DedupConfig())


def package(table: pa.Table, cfg: BuildConfig, source: str = "") -> BuildReport:
    """Validate and write rows that went through clean, langid and dedup as a release."""
    return package_table(table, cfg, source)


def validate(path: str | Path, suite: str | Path | None = None):
    """Validate a release, a Parquet file or folder, or a JSONL file against an expectation suite."""
    from corpus_kit.validation import validate_path

    return validate_path(path, suite)


def diff(old: str | Path, new: str | Path) -> ReleaseDiff:
    """Compare two release folders by document id."""
    return diff_releases(Path(old), Path(new))


def publish(release: str | Path, repo_id: str, *, endpoint: str | None = None, private: bool = False):
    """Verify, validate, upload and tag a release on a Hugging Face Hub."""
    from corpus_kit.package.hub import publish_release

    def passes(path: Path) -> bool:
        return validate(path).success

    return publish_release(release, repo_id, endpoint=endpoint, private=private, validate=passes)
