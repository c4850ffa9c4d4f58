"""The dataset card (`README.md`) of a release: YAML front matter for the Hub, then prose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from corpus_kit.config import BuildConfig


@dataclass(frozen=True)
class SplitInfo:
    name: str
    files: tuple[str, ...]
    num_examples: int
    num_bytes: int


@dataclass(frozen=True)
class ReleaseStats:
    """The build's own numbers, as shown on the card and in the run summary."""

    splits: tuple[SplitInfo, ...]
    documents_in: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    removed_lines_by_reason: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    duplicate_clusters: int = 0
    validation: tuple[dict[str, Any], ...] = ()


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "n>1M"


def card_metadata(cfg: BuildConfig, stats: ReleaseStats) -> dict[str, Any]:
    """Return the YAML front matter: configs, dataset_info, language, license, size category."""
    from datasets import DatasetInfo, SplitDict
    from datasets import SplitInfo as HfSplitInfo

    from corpus_kit.schema import release_features

    splits = SplitDict(dataset_name=cfg.dataset.name)
    for s in stats.splits:
        splits.add(HfSplitInfo(name=s.name, num_bytes=s.num_bytes, num_examples=s.num_examples))
    info = DatasetInfo(features=release_features(), splits=splits, dataset_name=cfg.dataset.name)
    total = sum(s.num_examples for s in stats.splits)
    languages = sorted(lang for lang in stats.languages if lang != "und")
    return {
        "language": languages,
        "license": cfg.dataset.license,
        "size_categories": [_size_category(total)],
        "task_categories": ["text-generation"],
        "pretty_name": cfg.dataset.name,
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s.name, "path": f"data/{s.name}-*.parquet"} for s in stats.splits],
            }
        ],
        "dataset_info": info._to_yaml_dict(),
    }


def _table(header: tuple[str, str], counts: dict[str, int]) -> str:
    if not counts:
        return "_none_\n"
    rows = [f"| {header[0]} | {header[1]} |", "|---|---:|"]
    rows += [f"| `{k}` | {v:,} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(rows) + "\n"


def _count(row: dict[str, Any]) -> str:
    if row.get("unexpected_count") is None:
        return ""
    return f"{row['unexpected_count']:,} of {row.get('element_count') or 0:,}"


def render_card(cfg: BuildConfig, stats: ReleaseStats, changelog_entry: str) -> str:
    """Return the whole card: front matter and a body made only of the build's numbers."""
    meta = yaml.safe_dump(card_metadata(cfg, stats), sort_keys=False, allow_unicode=True)
    name, version = cfg.dataset.name, cfg.dataset.version
    total = sum(s.num_examples for s in stats.splits)
    splits = "\n".join(f"| {s.name} | {s.num_examples:,} | {len(s.files)} |" for s in stats.splits)
    dups = stats.rejects_by_reason.get("exact_duplicate", 0) + stats.rejects_by_reason.get(
        "near_duplicate", 0
    )
    checks = "\n".join(
        f"| {r['split']} | `{r['expectation']}` | {'pass' if r['success'] else 'FAIL'} | {_count(r)} |"
        for r in stats.validation
    )
    header = "| split | expectation | result | unexpected |\n|---|---|---|---:|\n"
    validation = f"{header}{checks}\n" if checks else "_not run_\n"
    return f"""---
{meta}---

# {name} {version}

{cfg.dataset.description or "A web-text corpus built with corpus-kit."}

Built by corpus-kit from {stats.documents_in:,} input records: {total:,} documents kept.

| split | documents | files |
|---|---:|---:|
{splits}

## Load it

```python
from datasets import load_dataset

ds = load_dataset("path/to/{name}/{version}")  # this folder, or the Hub repo with revision="v{version}"
```

## What was removed and why

Lines removed from kept documents, by reason (each removed line is listed in `removed_lines`):

{_table(("reason", "lines"), stats.removed_lines_by_reason)}
Documents not in the release, by reason (each listed in this release's `rejects.jsonl`):

{_table(("reason", "documents"), stats.rejects_by_reason)}
## Languages

{_table(("language", "documents"), stats.languages)}
## Duplicates

{dups:,} documents dropped as duplicates of a kept document; {stats.duplicate_clusters:,} duplicate clusters.
Every member of a cluster was assigned the same split.

## Validation

{validation}
## Changes in this version

{changelog_entry.strip().replace("## ", "### ", 1)}
"""
