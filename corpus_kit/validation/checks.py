"""Row checks behind the custom expectations, computed from the text with corpus-kit's own stages.

Plain functions over lists of strings, without Great Expectations, so they can be tested and reused
on their own. The `is_`/`has_` functions return one flag per input row; `True` means the row fails.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.stages.boilerplate import classify_lines
from corpus_kit.stages.exact_dup import exact_hashes, fold_texts
from corpus_kit.stages.template_lines import TemplateLines, count_template_lines, merge_template_counts


def template_lines(texts: Sequence[str], cfg: BoilerplateConfig) -> TemplateLines:
    """Return the lines repeated on enough of `texts` to be template lines (one site: the dataset)."""
    table = pa.table({"text": pa.array(list(texts), pa.string())})
    return merge_template_counts([count_template_lines(table, cfg)], cfg)


def boilerplate_lines(
    text: str, cfg: BoilerplateConfig, templates: TemplateLines | None = None, min_score: float = 0.0
) -> list[tuple[int, str, str]]:
    """Return `(line, text, reason)` for every line of `text` the boilerplate cleaner would remove.

    Rule and template lines always count; a line the classifier removes counts when its boilerplate
    score (1 - content probability) is at least `min_score`.
    """
    return [
        (line, line_text, reason)
        for line, line_text, reason, score in classify_lines(text, cfg, None, templates)
        if score is None or score >= min_score
    ]


def has_boilerplate(
    texts: Sequence[str],
    cfg: BoilerplateConfig,
    templates: TemplateLines | None = None,
    min_score: float = 0.0,
) -> list[bool]:
    """Flag texts that still contain a line `boilerplate_lines` reports."""
    return [bool(boilerplate_lines(text, cfg, templates, min_score)) for text in texts]


def detect_languages(texts: Sequence[str], cfg: LangidConfig) -> list[str]:
    """Return the language code corpus-kit's language stage gives each text (`und` when unsure)."""
    from corpus_kit.stages.langid import detect_language

    return [detect_language(text, cfg)[0] for text in texts]


def is_exact_duplicate(texts: Sequence[str]) -> list[bool]:
    """Flag every text whose folded form (case, punctuation, spacing ignored) occurred in an earlier row."""
    hashes = exact_hashes(fold_texts(pa.array(list(texts), pa.string())))
    _, first = np.unique(hashes, return_index=True)
    flags = np.ones(len(hashes), dtype=bool)
    flags[first] = False
    return flags.tolist()


def _id_table(texts: Sequence[str], rows: Sequence[int]) -> pa.Table:
    ids = [f"{row:012d}" for row in rows]  # padded, so id order is row order
    return pa.table({"id": pa.array(ids, pa.string()), "text": pa.array(list(texts), pa.string())})


def is_near_duplicate(texts: Sequence[str], cfg: DedupConfig) -> list[bool]:
    """Flag every text the dedup stage marks as an exact or near duplicate of a kept one.

    The stage keeps the longest text of each cluster (ties: the earliest row). It buckets MinHash
    signatures (LSH), so this never compares all pairs.
    """
    from corpus_kit.stages.near_dup import cluster_duplicates, dedup_keys

    clusters = cluster_duplicates(dedup_keys(_id_table(texts, range(len(texts))), cfg), cfg)
    flags = dict(
        zip(clusters.column("id").to_pylist(), clusters.column("is_duplicate").to_pylist(), strict=True)
    )
    return [flags[f"{row:012d}"] for row in range(len(texts))]


def leaks_across_splits(splits: Sequence[str], texts: Sequence[str], cfg: DedupConfig) -> list[bool]:
    """Flag rows that have an exact or near duplicate in another split (both sides of each pair)."""
    from corpus_kit.stages.near_dup import find_cross_split_pairs

    rows_by_split: dict[str, list[int]] = {}
    for row, split in enumerate(splits):
        rows_by_split.setdefault(split, []).append(row)
    tables = {split: _id_table([texts[row] for row in rows], rows) for split, rows in rows_by_split.items()}
    leaking = set()
    for id_a, _, id_b, _, _ in find_cross_split_pairs(tables, cfg):
        leaking.update((int(id_a), int(id_b)))
    return [row in leaking for row in range(len(texts))]
