"""Row checks behind the custom expectations, computed from the text with corpus-kit's own stages.

Plain functions over lists of strings, without Great Expectations, so they can be tested and reused
on their own. The `is_`/`has_` functions return one flag per input row; `True` means the row fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.stages.boilerplate import classify_lines, classify_texts, has_forced_lines
from corpus_kit.stages.exact_dup import exact_hashes
from corpus_kit.stages.template_lines import (
    TemplateLines,
    count_template_lines,
    merge_template_counts,
    site_of,
)


def config_fields(config: type, left_out: tuple[str, ...]) -> dict[str, Any]:
    """Return `{field: annotation}` of a stage config's fields but `left_out`.

    The stage expectations declare these as required fields, so a suite file must write every
    setting of the stage it runs, and a field added to the config is reported missing, not defaulted.
    """
    return {f.name: f.type for f in dataclasses.fields(config) if f.name not in left_out}


#: Settings of the stages as the expectations take them (`enabled`, `languages`, `exact` and
#: `near` are implied; `mix_min_chars` only shapes `lang_mix`, which the checks do not use).
BOILERPLATE_FIELDS = config_fields(BoilerplateConfig, ("enabled",))
LANGID_FIELDS = config_fields(LangidConfig, ("languages", "mix_min_chars"))
DEDUP_FIELDS = config_fields(DedupConfig, ("exact", "near"))
TEMPLATE_KEYS = ("template_min_docs", "template_min_share", "template_min_share_corpus", "template_min_chars")


def boilerplate_config(kwargs: Mapping[str, Any]) -> BoilerplateConfig:
    """Return the cleaner settings an expectation's kwargs give."""
    return BoilerplateConfig(**{key: kwargs[key] for key in BOILERPLATE_FIELDS})


def template_config(kwargs: Mapping[str, Any]) -> BoilerplateConfig:
    """Return the template-line settings an expectation's kwargs give (the rest as defaults)."""
    return BoilerplateConfig(**{key: kwargs[key] for key in TEMPLATE_KEYS})


def langid_config(kwargs: Mapping[str, Any]) -> LangidConfig:
    """Return the language settings an expectation's kwargs give."""
    return LangidConfig(**{key: kwargs[key] for key in LANGID_FIELDS})


def dedup_config(kwargs: Mapping[str, Any]) -> DedupConfig:
    """Return the dedup settings an expectation's kwargs give (exact and near both on)."""
    return DedupConfig(**{key: kwargs[key] for key in DEDUP_FIELDS}, exact=True, near=True)


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
    return [
        any(score is None or score >= min_score for *_, score in removed)
        for removed in classify_texts(texts, cfg, None, templates)
    ]


def has_boilerplate_scored(
    texts: Sequence[str],
    cfg: BoilerplateConfig,
    templates: TemplateLines | None,
    min_score: float,
    scores: Sequence[float | None],
) -> list[bool]:
    """`has_boilerplate`, given each text's `schema.LEFTOVER_SCORE` computed with `cfg`'s classifier.

    A text with a template or rule line is flagged whatever the classifier says; one without has
    no line set apart, so the classifier reads it whole, as the leftover score was computed.
    """
    template = templates.for_site(site_of(None, None)) if templates is not None else None
    forced = has_forced_lines(texts, cfg, template)
    return [
        (score is not None and score >= min_score) or has_line
        for has_line, score in zip(forced, scores, strict=True)
    ]


def detect_languages(texts: Sequence[str], cfg: LangidConfig) -> list[str]:
    """Return the language code corpus-kit's language stage gives each text (`und` when unsure)."""
    from corpus_kit.stages.langid import detect_language

    return [detect_language(text, cfg)[0] for text in texts]


def outside_languages(texts: Sequence[str], cfg: LangidConfig, allowed: frozenset[str]) -> list[bool]:
    """Flag texts whose language (`detect_languages`; `und` included) is not in `allowed`."""
    return labels_outside(detect_languages(texts, cfg), allowed)


def labels_outside(labels: Sequence[str | None], allowed: frozenset[str]) -> list[bool]:
    """Flag language labels (from the language stage; a missing one included) not in `allowed`."""
    return [label not in allowed for label in labels]


def repeated(hashes: np.ndarray) -> np.ndarray:
    """Flag every value equal to an earlier one (the first of each value passes)."""
    _, first = np.unique(hashes, return_index=True)
    flags = np.ones(len(hashes), dtype=bool)
    flags[first] = False
    return flags


def is_exact_duplicate(texts: Sequence[str]) -> list[bool]:
    """Flag every text whose folded form (case, punctuation, spacing ignored) occurred in an earlier row."""
    return repeated(exact_hashes(pa.array(list(texts), pa.string()))).tolist()


def row_ids(rows: Iterable[int]) -> pa.Array:
    """Return the ids that name dataset rows in dedup keys: the row, zero-padded, so id order is row order."""
    return pa.array([f"{row:012d}" for row in rows], pa.string())


def dedup_keys_of(texts: pa.Array | pa.ChunkedArray, start: int, cfg: DedupConfig) -> pa.Table:
    """Return the dedup keys of `texts`, identified by their row (`start` for the first; `row_ids`)."""
    from corpus_kit.stages.near_dup import dedup_keys

    return dedup_keys(pa.table({"id": row_ids(range(start, start + len(texts))), "text": texts}), cfg)


def near_duplicate_flags(keys: pa.Table, cfg: DedupConfig) -> np.ndarray:
    """Flag every row of `keys` (from `dedup_keys_of`, in row order) the dedup stage marks a duplicate."""
    from corpus_kit.stages.near_dup import cluster_duplicates

    clusters = cluster_duplicates(keys, cfg)  # sorted by id: row order
    return np.asarray(clusters.column("is_duplicate"), bool)


def is_near_duplicate(texts: Sequence[str], cfg: DedupConfig) -> list[bool]:
    """Flag every text the dedup stage marks as an exact or near duplicate of a kept one.

    The stage keeps the longest text of each cluster (ties: the earliest row). It buckets MinHash
    signatures (LSH), so this never compares all pairs.
    """
    keys = dedup_keys_of(pa.array(list(texts), pa.string()), 0, cfg)
    return near_duplicate_flags(keys, cfg).tolist()


def leak_flags(keys_by_split: dict[str, pa.Table], cfg: DedupConfig, n: int) -> np.ndarray:
    """Flag the rows (of `n`, keyed by `dedup_keys_of`) with a duplicate in another split, both sides."""
    from corpus_kit.stages.near_dup import cross_split_pairs

    flags = np.zeros(n, bool)
    for id_a, _, id_b, _, _ in cross_split_pairs(keys_by_split, cfg):
        flags[[int(id_a), int(id_b)]] = True
    return flags


def leaks_across_splits(splits: Sequence[str], texts: Sequence[str], cfg: DedupConfig) -> list[bool]:
    """Flag rows that have an exact or near duplicate in another split (both sides of each pair)."""
    rows_by_split: dict[str, list[int]] = {}
    for row, split in enumerate(splits):
        rows_by_split.setdefault(split, []).append(row)
    keys = {}
    for split, rows in rows_by_split.items():
        split_keys = dedup_keys_of(pa.array([texts[row] for row in rows], pa.string()), 0, cfg)
        keys[split] = split_keys.set_column(0, "id", row_ids(rows))
    return leak_flags(keys, cfg, len(texts)).tolist()
