"""Dataset-wide facts of a validation run, computed by streaming over the data before GX runs.

Great Expectations validates one pandas batch in memory. To keep memory flat as datasets grow, the
runner hands GX each split in chunks of rows, and computes beforehand, chunk by chunk and on all
cores, what a chunk cannot know alone or what costs most per row, with corpus-kit's own stages:

- the template lines of each split (the boilerplate check's repeated-line rule);
- per row: leftover boilerplate, language outside the allowed set, exact and near duplicate of an
  earlier row of its split, near duplicate in another split.

A caller that computed some of these with its own stages on the same text (a build: its language
labels, leftover scores and dedup keys) passes them, and the checks they serve read them instead.

What stays in memory per document: an 8-byte exact hash and the MinHash signature (`num_perm` x 4
bytes) of each dedup setting the suite uses, and one flag per check. Chunk frames are indexed by row
position in the dataset (splits in order, then rows), so a custom metric reads the flags of its rows
by index. The metrics read the context while `active_context` returns one, and compute from their
column otherwise (a GX user running corpus-kit's expectations on a batch of their own).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.engines.local import WorkerPool
from corpus_kit.progress import stage_bar
from corpus_kit.stages.exact_dup import exact_hashes
from corpus_kit.stages.template_lines import TemplateLines, count_template_lines, merge_template_counts
from corpus_kit.validation import checks
from corpus_kit.validation.datasets import SplitSource, iter_chunks, source_schema

BOILERPLATE = "expect_column_values_to_have_no_boilerplate_lines"
LANGUAGE = "expect_column_values_to_be_in_languages"
EXACT = "expect_column_values_to_not_be_exact_duplicates"
NEAR = "expect_column_values_to_not_be_near_duplicates"
LEAK = "expect_column_pair_values_to_not_leak_across_splits"

T = TypeVar("T")

#: Flags of one check: `(kind, column, settings...)`; kinds are the expectation types above.
FlagKey = tuple[Any, ...]

_active: contextvars.ContextVar[ValidationContext | None] = contextvars.ContextVar("corpus_kit_validation")


@dataclass
class ValidationContext:
    """Row flags (`True`: the row fails) over the whole dataset, and each split's template lines."""

    bounds: dict[str, tuple[int, int]]  # split -> [first row, end row) in dataset positions
    templates: dict[tuple[str, str, BoilerplateConfig], TemplateLines] = field(default_factory=dict)
    flags: dict[FlagKey, np.ndarray] = field(default_factory=dict)
    #: Exception messages of checks that raised, by expectation type; their metrics raise them.
    errors: dict[str, str] = field(default_factory=dict)
    #: Seconds spent computing the facts, summed over the processes that computed them.
    seconds: float = 0.0

    def split_at(self, row: int) -> str:
        """Return the split holding dataset row `row`."""
        return next(name for name, (lo, hi) in self.bounds.items() if lo <= row < hi)

    def row_flags(self, key: FlagKey, index: pd.Index) -> list[bool] | None:
        """Return the flags of the rows at `index`, or None when this check was not precomputed.

        Raises `CheckError` when computing this check raised.
        """
        self._raise_error(key[0])
        flags = self.flags.get(key)
        return None if flags is None else flags[np.asarray(index, np.int64)].tolist()

    def split_templates(self, column: str, cfg: BoilerplateConfig, index: pd.Index) -> TemplateLines | None:
        """Return the template lines of the split the rows at `index` belong to."""
        self._raise_error(BOILERPLATE)
        if not len(index):
            return None
        return self.templates.get((self.split_at(int(index[0])), column, cfg))

    def _raise_error(self, kind: str) -> None:
        if kind in self.errors:
            raise CheckError(self.errors[kind])


class CheckError(RuntimeError):
    """A check raised while the validation computed it over the dataset."""


def active_context() -> ValidationContext | None:
    """Return the context of the validation running now, if any."""
    return _active.get()


@contextlib.contextmanager
def use_context(context: ValidationContext) -> Iterator[None]:
    """Make `context` the one the custom metrics read, for the duration of the block."""
    token = _active.set(context)
    try:
        yield
    finally:
        _active.reset(token)


@dataclass(frozen=True)
class LanguageLabels:
    """A column of the labels corpus-kit's language stage gave a text column with `cfg`.

    A build passes its `lang` column so: the language check of `text` with the same settings then
    reads the labels instead of detecting them again (the same function on the same text with the
    same settings gives the same label). Only for labels the caller computed itself.
    """

    text: str
    labels: str
    cfg: LangidConfig

    @property
    def column(self) -> str:
        """The column of known values (see `_served`)."""
        return self.labels

    def serves(self, column: str, cfg: LangidConfig) -> bool:
        """Return whether these labels are the language check's of `column` with `cfg`."""
        return column == self.text and cfg == checks.langid_config(dataclasses.asdict(self.cfg))


#: Rows of the known dedup keys read at a time.
_LOOKUP_ROWS = 8192

#: The settings of the cleaner's classifier a leftover score depends on.
_CLASSIFIER_FIELDS = ("threshold", "heading_threshold", "tail_gap", "core_threshold")


@dataclass(frozen=True)
class LeftoverScores:
    """A column of the leftover scores (`schema.LEFTOVER_SCORE`) the cleaner gave a text column with `cfg`.

    A build passes the scores its clean stage computed for the text it wrote: the boilerplate check
    of `text` with the same classifier settings then reads them instead of running the classifier
    again (template and rule lines are still looked for in the text). Only for scores the caller
    computed itself. The column is not shown to Great Expectations.
    """

    text: str
    scores: str
    cfg: BoilerplateConfig

    @property
    def column(self) -> str:
        """The column of known values (see `_served`)."""
        return self.scores

    def serves(self, column: str, cfg: BoilerplateConfig) -> bool:
        """Return whether these scores are the boilerplate check's of `column` with `cfg`."""
        return column == self.text and all(
            getattr(cfg, f) == getattr(self.cfg, f) for f in _CLASSIFIER_FIELDS
        )


@dataclass(frozen=True, eq=False)
class KnownKeys:
    """The dedup keys (`stages.near_dup.dedup_keys`) the caller's dedup stage computed for a text column.

    `keys` (a table or its Parquet file) holds a row for every `id` of the data, computed with `cfg`
    from the same text. A build passes its keys so: the exact-duplicate check of `text`, and the
    near-duplicate and leak checks of `text` with the same key parameters (`dedup_params`), look
    the keys up by id instead of hashing the text again. Only for keys the caller computed itself.
    """

    text: str
    keys: pa.Table | Path
    cfg: DedupConfig

    def serves(self, column: str, cfg: DedupConfig | None = None) -> bool:
        """Return whether these keys are the dedup keys of `column` with `cfg` (the exact hash: any)."""
        from corpus_kit.stages.near_dup import dedup_params

        return column == self.text and (cfg is None or dedup_params(cfg) == dedup_params(self.cfg))

    def lookup(self, ids: pa.ChunkedArray) -> pa.Table:
        """Return the keys of `ids` in their order, identified by row as `checks.dedup_keys_of` does.

        Streams the keys a batch at a time into the result (reading a Parquet file of signatures
        whole takes several times their size). Raises `LookupError` for an id without keys.
        """
        from corpus_kit.stages.near_dup import KEY_COLUMNS, signature_matrix

        where = {key: row for row, key in enumerate(ids.to_pylist())}
        if len(where) < len(ids):
            raise LookupError("dedup keys are looked up by id, and the ids of the data are not unique")
        if isinstance(self.keys, pa.Table):
            schema, batches = self.keys.schema, self.keys.select(list(KEY_COLUMNS)).to_batches(_LOOKUP_ROWS)
        else:
            keys_file = pq.ParquetFile(self.keys)
            schema = keys_file.schema_arrow
            batches = keys_file.iter_batches(_LOOKUP_ROWS, columns=list(KEY_COLUMNS))
        n, num_perm = len(ids), schema.field("signature").type.list_size
        n_chars, exact = np.zeros(n, np.int64), np.zeros(n, np.uint64)
        signature, valid = np.zeros((n, num_perm), np.uint32), np.zeros(n, bool)
        for batch in batches:
            rows = np.fromiter((where.pop(key, -1) for key in batch.column("id").to_pylist()), np.int64)
            hit = rows >= 0
            rows = rows[hit]
            n_chars[rows] = np.asarray(batch.column("n_chars"))[hit]
            exact[rows] = np.asarray(batch.column("exact_hash"))[hit]
            signature[rows] = signature_matrix(batch.column("signature"), num_perm)[hit]
            valid[rows] = np.asarray(batch.column("signature").is_valid())[hit]
        if where:
            raise LookupError(f"no dedup keys for id {next(iter(where))!r}")
        sig = pa.FixedSizeListArray.from_arrays(pa.array(signature.ravel()), num_perm, mask=pa.array(~valid))
        schema = pa.schema([schema.field(name) for name in KEY_COLUMNS], metadata=schema.metadata)
        columns = [checks.row_ids(range(n)), pa.array(n_chars), pa.array(exact), sig]
        return pa.Table.from_arrays(columns, schema=schema)


@dataclass(frozen=True)
class _Needs:
    """What the suite's custom expectations need, by column."""

    templates: frozenset[tuple[str, BoilerplateConfig]] = frozenset()
    boilerplate: frozenset[tuple[str, BoilerplateConfig, float]] = frozenset()
    languages: frozenset[tuple[str, Any, frozenset[str]]] = frozenset()
    exact: frozenset[str] = frozenset()
    near: frozenset[tuple[str, DedupConfig]] = frozenset()
    leak: frozenset[tuple[str, DedupConfig]] = frozenset()
    #: `(text column, settings, label column)`: language checks read from known labels.
    labels: frozenset[tuple[str, LangidConfig, str]] = frozenset()
    #: `(text column, settings, score column)`: boilerplate checks read from known leftover scores.
    scored: frozenset[tuple[str, BoilerplateConfig, str]] = frozenset()
    #: Dedup keys (`(text column, settings)`) and exact hashes (text column) read from known keys.
    keyed: frozenset[tuple[str, DedupConfig]] = frozenset()
    hashed: frozenset[str] = frozenset()

    @property
    def dedup(self) -> frozenset[tuple[str, DedupConfig]]:
        """The dedup settings whose keys near-duplicate and leak checks need."""
        return self.near | self.leak

    def on_columns(self, present: set[str]) -> _Needs:
        """Return the needs whose column is in `present` (GX reports the others' missing column)."""
        return _Needs(
            **{
                name: frozenset(item for item in items if _column_of(item) in present)
                for name, items in self.__dict__.items()
            }
        )

    def with_labels(self, labels: Iterable[LanguageLabels], present: set[str]) -> _Needs:
        """Return these needs with the language checks that `labels` (columns in `present`) serve."""
        return dataclasses.replace(self, labels=_served(self.languages, labels, present))

    def label_column(self, column: str, cfg: LangidConfig) -> str | None:
        """Return the column of known labels of the language check of `column` with `cfg`, if any."""
        return _known_column(self.labels, column, cfg)

    def with_scores(self, scores: Iterable[LeftoverScores], present: set[str]) -> _Needs:
        """Return these needs with the boilerplate checks that `scores` (columns in `present`) serve."""
        return dataclasses.replace(self, scored=_served(self.boilerplate, scores, present))

    def score_column(self, column: str, cfg: BoilerplateConfig) -> str | None:
        """Return the column of known leftover scores of the boilerplate check of `column` with `cfg`."""
        return _known_column(self.scored, column, cfg)

    def with_keys(self, keys: Sequence[KnownKeys], present: set[str]) -> _Needs:
        """Return these needs with the dedup keys and exact hashes that `keys` serve (by `id`)."""
        if "id" not in present:
            return self
        return dataclasses.replace(
            self,
            keyed=frozenset(need for need in self.dedup if any(k.serves(*need) for k in keys)),
            hashed=frozenset(column for column in self.exact if any(k.serves(column) for k in keys)),
        )

    @property
    def columns(self) -> list[str]:
        names = {c for c, _ in self.templates} | (self.exact - self.hashed)
        names |= {c for c, _ in self.dedup - self.keyed}
        if self.keyed or self.hashed:
            names.add("id")
        for column, cfg, _ in self.languages:
            names.add(self.label_column(column, cfg) or column)
        names |= {name for _, _, name in self.scored}
        return sorted(names)


def _column_of(need: str | tuple[Any, ...]) -> str:
    """The column a need is about: itself, or its first item."""
    return need if isinstance(need, str) else need[0]


def _served(
    needs: frozenset[tuple[Any, ...]], known: Iterable[LanguageLabels | LeftoverScores], present: set[str]
) -> frozenset[tuple[str, Any, str]]:
    """`(text column, settings, known column)` of the `needs` (text column and settings first) that a
    known column present in the data serves."""
    return frozenset(
        (column, cfg, item.column)
        for column, cfg, *_ in needs
        for item in known
        if item.column in present and item.serves(column, cfg)
    )


def _known_column(served: frozenset[tuple[str, Any, str]], column: str, cfg: Any) -> str | None:
    """The known column that serves the check of `column` with `cfg`, if any."""
    return next((name for c, s, name in served if (c, s) == (column, cfg)), None)


def suite_needs(expectations: Sequence[Mapping[str, Any]]) -> _Needs:
    """Return the precomputation the custom expectations of a suite use."""
    sets: dict[str, set] = {name: set() for name in _Needs.__dataclass_fields__}
    for entry in expectations:
        kind, kwargs = entry["type"], entry["kwargs"]
        if kind == BOILERPLATE:
            sets["templates"].add((kwargs["column"], checks.template_config(kwargs)))
            sets["boilerplate"].add(
                (kwargs["column"], checks.boilerplate_config(kwargs), kwargs["min_score"])
            )
        elif kind == LANGUAGE and kwargs["allowed_languages"]:
            allowed = frozenset(kwargs["allowed_languages"])
            sets["languages"].add((kwargs["column"], checks.langid_config(kwargs), allowed))
        elif kind == EXACT:
            sets["exact"].add(kwargs["column"])
        elif kind in (NEAR, LEAK):
            column = kwargs["column"] if kind == NEAR else kwargs["column_B"]
            sets["near" if kind == NEAR else "leak"].add((column, checks.dedup_config(kwargs)))
    return _Needs(**{name: frozenset(values) for name, values in sets.items()})


@dataclass(frozen=True)
class _Chunk:
    """A chunk of one split for a worker: its columns, first dataset row, and what to compute."""

    table: pa.Table
    split: str
    start: int
    needs: _Needs
    templates: Mapping[tuple[str, BoilerplateConfig], TemplateLines] = field(default_factory=dict)


def _attempt(errors: dict[str, str], kinds: Iterable[str], func: Callable[..., T], *args: Any) -> T | None:
    """Return `func(*args)`, or None after recording its exception for the expectation types `kinds`.

    As GX does for an exception inside a metric, the expectation then reports it (exit code 2).
    """
    try:
        return func(*args)
    except Exception as err:  # reported by the expectation, never swallowed
        for kind in kinds:
            errors.setdefault(kind, str(err) or type(err).__name__)
        return None


def _dedup_kinds(needs: _Needs, key: tuple[str, DedupConfig]) -> list[str]:
    return [kind for kind, keys in ((NEAR, needs.near), (LEAK, needs.leak)) if key in keys]


def _first_pass(chunk: _Chunk) -> dict[str, Any]:
    """Template-line counts, exact hashes and dedup keys of a chunk (None where a check raised)."""
    start = time.perf_counter()
    table, needs, errors = chunk.table, chunk.needs, {}
    counts = {
        (column, cfg): _attempt(
            errors, [BOILERPLATE], count_template_lines, pa.table({"text": table.column(column)}), cfg
        )
        for column, cfg in needs.templates
    }
    hashes = {
        column: _attempt(errors, [EXACT], exact_hashes, table.column(column))
        for column in needs.exact - needs.hashed
    }
    keys = {
        (column, cfg): _attempt(
            errors,
            _dedup_kinds(needs, (column, cfg)),
            checks.dedup_keys_of,
            table.column(column),
            chunk.start,
            cfg,
        )
        for column, cfg in needs.dedup - needs.keyed
    }
    seconds = time.perf_counter() - start
    return {
        "split": chunk.split,
        "counts": counts,
        "hashes": hashes,
        "keys": keys,
        "ids": table.column("id") if needs.keyed or needs.hashed else None,
        "errors": errors,
        "seconds": seconds,
        "rows": table.num_rows,
        "bytes": table.nbytes,
    }


def _second_pass(chunk: _Chunk) -> dict[str, Any]:
    """Boilerplate and language flags of a chunk's rows (None where a check raised)."""
    start = time.perf_counter()
    table, needs, errors = chunk.table, chunk.needs, {}
    flags: dict[FlagKey, np.ndarray | None] = {}
    columns = {column for column, *_ in needs.boilerplate}
    columns |= {column for column, cfg, _ in needs.languages if not needs.label_column(column, cfg)}
    texts = {column: [text or "" for text in table.column(column).to_pylist()] for column in columns}
    for column, cfg, min_score in needs.boilerplate:
        templates = chunk.templates[(column, checks.template_config(dataclasses.asdict(cfg)))]
        scores = needs.score_column(column, cfg)
        if scores is None:
            check, known = checks.has_boilerplate, ()
        else:
            check, known = checks.has_boilerplate_scored, (table.column(scores).to_pylist(),)
        flags[(BOILERPLATE, column, cfg, min_score)] = _attempt(
            errors, [BOILERPLATE], check, texts[column], cfg, templates, min_score, *known
        )
    for column, cfg, allowed in needs.languages:
        labels = needs.label_column(column, cfg)
        if labels is None:
            found = _attempt(errors, [LANGUAGE], checks.outside_languages, texts[column], cfg, allowed)
        else:
            known = table.column(labels).to_pylist()
            found = _attempt(errors, [LANGUAGE], checks.labels_outside, known, allowed)
        flags[(LANGUAGE, column, cfg, allowed)] = found
    return {
        "flags": flags,
        "errors": errors,
        "seconds": time.perf_counter() - start,
        "rows": table.num_rows,
        "bytes": table.nbytes,
    }


def _chunks(
    splits: Mapping[str, SplitSource],
    needs: _Needs,
    batch_rows: int,
    templates: Callable[[str], Mapping] | None,
) -> Iterator[_Chunk]:
    start = 0
    for split, source in splits.items():
        for table in iter_chunks(source, batch_rows, needs.columns):
            yield _Chunk(table, split, start, needs, templates(split) if templates else {})
            start += table.num_rows


def compute_context(
    splits: Mapping[str, SplitSource],
    expectations: Sequence[Mapping[str, Any]],
    bounds: dict[str, tuple[int, int]],
    batch_rows: int,
    workers: int,
    labels: Sequence[LanguageLabels] = (),
    scores: Sequence[LeftoverScores] = (),
    keys: Sequence[KnownKeys] = (),
) -> ValidationContext:
    """Compute the context of a suite's custom expectations over `splits`, in two streaming passes.

    `labels`: known language labels the language checks they serve read instead of detecting;
    `scores`: known leftover scores the boilerplate checks they serve read instead of classifying;
    `keys`: known dedup keys the duplicate checks they serve read instead of hashing.
    """
    present = set.intersection(*(set(source_schema(source).names) for source in splits.values()))
    needs = suite_needs(expectations).on_columns(present).with_labels(labels, present)
    needs = needs.with_scores(scores, present).with_keys(keys, present)
    context = ValidationContext(bounds)
    n = max((hi for _, hi in bounds.values()), default=0)
    if not needs.columns or n == 0:
        return context
    with WorkerPool(workers if n > batch_rows else 1) as pool:
        _facts(context, pool, splits, needs, batch_rows, n, keys)
    return context


def _facts(
    context: ValidationContext,
    pool: WorkerPool,
    splits: Mapping[str, SplitSource],
    needs: _Needs,
    batch_rows: int,
    rows: int,
    known: Sequence[KnownKeys] = (),
) -> None:
    """Run the two streaming passes of `compute_context` on `pool` (`rows` in all: for the bars)."""
    counts: dict[tuple[str, str, BoilerplateConfig], list[pa.Table]] = {}
    hashes: dict[str, list[np.ndarray]] = {column: [] for column in needs.exact}
    keys: dict[tuple[str, DedupConfig], list[pa.Table]] = {key: [] for key in needs.dedup}
    ids: list[pa.ChunkedArray] = []
    with stage_bar("validate: hashes, dedup keys, template lines", rows) as bar:
        for facts in pool.map_ordered(_first_pass, _chunks(splits, needs, batch_rows, None)):
            bar.update(facts["rows"], facts["bytes"])
            _add_first_pass(context, facts, counts, hashes, keys)
            if facts["ids"] is not None:
                ids.append(facts["ids"])
    start = time.perf_counter()
    if ids:
        every_id = pa.chunked_array([chunk for column in ids for chunk in column.chunks], pa.string())
        _look_up_keys(context, needs, known, every_id, hashes, keys)
    for (split, column, cfg), tables in counts.items():
        if BOILERPLATE not in context.errors:
            context.templates[(split, column, cfg)] = merge_template_counts(tables, cfg)
    _duplicate_flags(context, needs, hashes, keys)
    context.seconds += time.perf_counter() - start
    if (needs.boilerplate and BOILERPLATE not in context.errors) or needs.languages:

        def split_templates(split: str) -> dict:
            return {(c, cfg): t for (s, c, cfg), t in context.templates.items() if s == split}

        parts: dict[FlagKey, list[np.ndarray | None]] = {}
        chunks = _chunks(splits, needs, batch_rows, split_templates)
        with stage_bar("validate: boilerplate, language", rows) as bar:
            for facts in pool.map_ordered(_second_pass, chunks):
                bar.update(facts["rows"], facts["bytes"])
                context.errors.update(facts["errors"])
                context.seconds += facts["seconds"]
                for key, values in facts["flags"].items():
                    parts.setdefault(key, []).append(values)
        for key, values in parts.items():
            if key[0] not in context.errors:
                context.flags[key] = np.concatenate([np.asarray(v, bool) for v in values])


def _add_first_pass(
    context: ValidationContext,
    facts: dict[str, Any],
    counts: dict[tuple[str, str, BoilerplateConfig], list[pa.Table]],
    hashes: dict[str, list[np.ndarray]],
    keys: dict[tuple[str, DedupConfig], list[pa.Table]],
) -> None:
    """Collect one chunk's first-pass facts."""
    context.errors.update(facts["errors"])
    context.seconds += facts["seconds"]
    for (column, cfg), table in facts["counts"].items():
        counts.setdefault((facts["split"], column, cfg), []).append(table)
    for column, values in facts["hashes"].items():
        hashes[column].append(values)
    for key, table in facts["keys"].items():
        keys[key].append(table)


def _look_up_keys(
    context: ValidationContext,
    needs: _Needs,
    known: Sequence[KnownKeys],
    ids: pa.ChunkedArray,
    hashes: dict[str, list[np.ndarray]],
    keys: dict[tuple[str, DedupConfig], list[pa.Table]],
) -> None:
    """Fill the exact hashes and dedup keys that `known` serve with the keys of `ids` (dataset rows)."""
    exact = {column: next(k for k in known if k.serves(column)) for column in needs.hashed}
    dedup = {need: next(k for k in known if k.serves(*need)) for need in needs.keyed}
    for source in {id(k): k for k in [*exact.values(), *dedup.values()]}.values():
        kinds = [EXACT] if any(k is source for k in exact.values()) else []
        kinds += [kind for need, k in dedup.items() if k is source for kind in _dedup_kinds(needs, need)]
        table = _attempt(context.errors, kinds, source.lookup, ids)
        if table is None:
            continue
        for column in (column for column, k in exact.items() if k is source):
            hashes[column].append(np.asarray(table.column("exact_hash")))
        for need in (need for need, k in dedup.items() if k is source):
            keys[need].append(table)


def _duplicate_flags(
    context: ValidationContext,
    needs: _Needs,
    hashes: Mapping[str, list[np.ndarray]],
    keys: Mapping[tuple[str, DedupConfig], list[pa.Table]],
) -> None:
    """Flag exact duplicates within a split, near duplicates within a split, and leaks across splits.

    Empties the lists of `keys` as it goes.
    """
    bounds = list(context.bounds.values())
    errors = context.errors
    if EXACT not in errors:
        for column, parts in hashes.items():

            def exact(parts: list = parts) -> np.ndarray:
                values = np.concatenate(parts)
                flags = np.zeros(len(values), bool)
                for lo, hi in bounds:
                    flags[lo:hi] = checks.repeated(values[lo:hi])
                return flags

            _store(context, (EXACT, column), _attempt(errors, [EXACT], exact))
    for (column, cfg), parts in keys.items():
        if any(kind in errors for kind in _dedup_kinds(needs, (column, cfg))):
            continue
        # One contiguous table, and the chunks' copies freed before clustering holds more.
        table = pa.concat_tables(parts).combine_chunks()
        parts.clear()
        if (column, cfg) in needs.near:

            def near(table: pa.Table = table, cfg: DedupConfig = cfg) -> np.ndarray:
                flags = np.zeros(table.num_rows, bool)
                for lo, hi in bounds:
                    flags[lo:hi] = checks.near_duplicate_flags(table.slice(lo, hi - lo), cfg)
                return flags

            _store(context, (NEAR, column, cfg), _attempt(errors, [NEAR], near))
        if (column, cfg) in needs.leak:
            by_split = {name: table.slice(lo, hi - lo) for name, (lo, hi) in context.bounds.items()}
            flags = _attempt(errors, [LEAK], checks.leak_flags, by_split, cfg, table.num_rows)
            _store(context, (LEAK, column, cfg), flags)


def _store(context: ValidationContext, key: FlagKey, flags: np.ndarray | None) -> None:
    if flags is not None:
        context.flags[key] = flags
