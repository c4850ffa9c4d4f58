"""Run an expectation suite over the splits of a dataset in an ephemeral Great Expectations context.

Each split goes to GX in pandas chunks of `batch_rows` rows, so memory does not grow with the
dataset (see `validate_splits` for which expectation runs where; the dataset-wide facts of
corpus-kit's own expectations come from `corpus_kit.validation.context`). Cross-split expectations
run on chunks carrying a `__split__` column naming the split each row was read from; their results
are reported once, for all splits ("*"). An exception inside a metric is reported by GX as a
failed expectation with `exception_info`; it is turned into an error here, so a crash never reads
as "validation failed".
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from corpus_kit.engines.local import worker_count
from corpus_kit.progress import StageBar, stage_bar
from corpus_kit.validation.datasets import (
    SplitSource,
    dataset_sources,
    is_release,
    iter_chunks,
    source_rows,
    source_schema,
)
from corpus_kit.validation.results import ID_SAMPLE, ExpectationResult, ValidationReport
from corpus_kit.validation.suites import Suite, build_gx_suite, load_suite

if TYPE_CHECKING:
    from corpus_kit.validation.context import KnownKeys, LanguageLabels, LeftoverScores

logger = logging.getLogger(__name__)

#: Column added to a batch without an `id` column, so failing rows can still be named (1-based row).
ROW_COLUMN = "__row__"
#: Split name of results computed over all splits together.
ALL_SPLITS = "*"


def validate_path(
    path: str | Path,
    suite: str | Path | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    workers: int = 0,
) -> ValidationReport:
    """Validate a release folder, a Parquet file or folder, or a JSONL file against `suite`.

    `suite` defaults to "release" for a release and "corpus" otherwise. A release is checked with
    the settings it was built with (the config in its manifest) unless `params` are given. Parquet
    is read in chunks; `workers` processes compute the checks (0: all cores).
    """
    path = Path(path)
    splits = dataset_sources(path)
    if suite is None:
        suite = "release" if is_release(path) else "corpus"
    if params is None and is_release(path):
        params = _release_params(path)
    return validate_splits(splits, suite, params=params, workers=workers)


def _release_params(release: Path) -> dict[str, Any] | None:
    """Return the build settings recorded in a release's manifest, or None when it has none."""
    from corpus_kit.config import config_from_dict
    from corpus_kit.errors import ConfigError
    from corpus_kit.package.manifest import read_manifest
    from corpus_kit.validation.suites import params_from_config

    recorded = read_manifest(release).get("config")
    if not isinstance(recorded, dict):
        return None
    try:
        return params_from_config(config_from_dict(recorded))
    except ConfigError as err:
        logger.warning("%s: manifest config not usable (%s); using the suite's own values", release, err)
        return None


#: Rows per chunk GX validates at once; memory per chunk, not per dataset. Fewer, larger chunks
#: would save GX's fixed cost per run, but 20,000 rows make validation the build's memory peak
#: (see README).
BATCH_ROWS = 10_000
#: Rows of the chunks the dataset-wide checks stream to worker processes (a few in flight each).
CONTEXT_ROWS = 2_500

#: Expectations read only the column names and types, the same in every chunk: run on the first one.
SCHEMA_TYPES = frozenset(
    {
        "expect_column_to_exist",
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
    }
)

#: Row-by-row GX expectations whose rows do not depend on each other: run chunk by chunk.
ROW_TYPES = frozenset(
    {
        "expect_column_values_to_be_null",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_select_column_values_to_be_unique_within_record",
    }
)

#: Keys of an expectation's kwargs that name columns.
_COLUMN_KEYS = ("column", "column_A", "column_B", "column_list")


def preload() -> threading.Thread:
    """Start importing Great Expectations (seconds of CPU) in a thread, for a validation to come.

    A caller with other work under way (a build waiting on its workers) so takes the import off the
    validation's path; `validate_splits` waits for it if it is not done yet.
    """
    thread = threading.Thread(target=importlib.import_module, args=("great_expectations",), name="gx-import")
    thread.start()
    return thread


def validate_splits(
    splits: Mapping[str, SplitSource],
    suite: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    batch_rows: int = BATCH_ROWS,
    workers: int = 0,
    labels: Sequence[LanguageLabels] = (),
    scores: Sequence[LeftoverScores] = (),
    keys: Sequence[KnownKeys] = (),
) -> ValidationReport:
    """Validate every split with `suite`, and the splits together with its cross-split expectations.

    A split is a table or a list of Parquet files. GX sees each split in chunks of `batch_rows` rows:
    schema expectations run on the first chunk, row-by-row ones (GX's listed in `ROW_TYPES` and
    corpus-kit's, whose dataset-wide facts `corpus_kit.validation.context` computes first on
    `workers` processes, 0: all cores) on every chunk, their counts summed; any other expectation
    runs once on the whole split, read with only the columns it names. `params` replaces suite
    values the suite marks as parameters (e.g. `{"languages": ["en"]}`). `labels` are language labels
    the caller's own language stage computed (see `LanguageLabels`), read instead of detected again;
    `scores` the leftover boilerplate scores its own clean stage computed (see `LeftoverScores`),
    read instead of classified again; `keys` the dedup keys its own dedup stage computed (see
    `KnownKeys`), looked up instead of hashed again. Their columns are not shown to GX.
    """
    from corpus_kit.validation.context import compute_context, use_context

    loaded = load_suite(suite, params)
    build_gx_suite(loaded)  # fails loudly on unknown types or kwargs before any work
    bounds, start_row = {}, 0
    for split, source in splits.items():
        bounds[split] = (start_row, start_row + source_rows(source))
        start_row = bounds[split][1]
    start = time.perf_counter()
    rows = min(batch_rows, CONTEXT_ROWS)
    facts = compute_context(
        splits, loaded.expectations, bounds, rows, worker_count(workers), labels, scores, keys
    )
    in_workers = facts.seconds - (time.perf_counter() - start)  # beyond this process's own time
    hidden = frozenset(known.scores for known in scores)
    plan = _Plan(loaded, _context(), ValidationReport(suite=loaded.name, results=[]), hidden)
    # What lives now (GX's modules, the caller's data) is left out of the collections after each
    # chunk (see `_Plan._collect`), which then only scan the objects of the chunk's run.
    gc.freeze()
    try:
        with (
            use_context(facts),
            without_batch_fingerprints(),
            stage_bar("validate: expectations (Great Expectations)", start_row) as bar,
        ):
            for split, source in splits.items():
                plan.run_split(split, source, bounds[split], batch_rows, bar)
    finally:
        gc.unfreeze()
    for split in [*splits, ALL_SPLITS]:
        for i, entry in enumerate(loaded.expectations):
            if (split, i) in plan.found:
                plan.report.results.append(_merge(split, entry, plan.found[(split, i)]))
    plan.report.worker_seconds = time.perf_counter() - start + max(in_workers, 0.0)
    return plan.report


@dataclass
class _Plan:
    """Which expectations run on which frames of a split, and the chunk results found so far."""

    suite: Suite
    gx_context: Any
    report: ValidationReport
    #: Columns of the data GX does not see (the caller's own work columns).
    hidden: frozenset[str] = frozenset()
    found: dict[tuple[str, int], list[_ChunkResult]] = field(default_factory=dict)

    def _pick(self, types: frozenset[str], exclude: frozenset[str] = frozenset()) -> list:
        return [(i, e) for i, e in enumerate(self.suite.expectations) if e["type"] in types - exclude]

    def run_split(
        self, split: str, source: SplitSource, bounds: tuple[int, int], batch_rows: int, bar: StageBar
    ) -> None:
        """Validate one split chunk by chunk, then run its whole-split expectations."""
        from corpus_kit.validation.expectations import CROSS_SPLIT_TYPES, CUSTOM_TYPES, SPLIT_COLUMN

        types = {e["type"] for e in self.suite.expectations}
        rows = self._pick(ROW_TYPES | CUSTOM_TYPES, CROSS_SPLIT_TYPES)
        schema = self._pick(SCHEMA_TYPES)
        across = self._pick(CROSS_SPLIT_TYPES)
        whole = self._pick(frozenset(types) - ROW_TYPES - CUSTOM_TYPES - SCHEMA_TYPES)
        lo, hi = bounds
        offset = lo
        if hi - lo <= batch_rows:  # one chunk holds the whole split: one GX run for all
            rows, whole = rows + whole, []
        empty = source if isinstance(source, pa.Table) else source_schema(source).empty_table()
        for chunk in iter_chunks(source, batch_rows) if hi > lo else [empty]:  # an empty split too
            chunk = chunk.drop_columns([name for name in chunk.column_names if name in self.hidden])
            end = offset + chunk.num_rows
            label = split if chunk.num_rows == hi - lo else f"{split}[{offset - lo}:{end - lo}]"
            picked = rows + (schema if offset == lo else [])
            # Schema checks see every column; the others only what they name (no frame of nested
            # `removed_lines` objects for a check of the text).
            seen = chunk if offset == lo and schema else _only_named(chunk, picked)
            self._collect(split, sorted(picked), label, _frame(seen, offset, lo))
            if across:
                tagged = _only_named(chunk, across)
                tagged = tagged.append_column(SPLIT_COLUMN, pa.array([split] * chunk.num_rows, pa.string()))
                self._collect(ALL_SPLITS, across, f"{label} ({ALL_SPLITS})", _frame(tagged, offset, lo))
            bar.update(chunk.num_rows, chunk.nbytes)
            offset = end
        for i, entry in whole:
            frame = _frame(_read_columns(source, entry["kwargs"]), lo, lo)
            self._collect(split, [(i, entry)], f"{split} (whole split)", frame)

    def _collect(self, split: str, picked: list, label: str, frame) -> None:
        for i, result in _run(self.gx_context, self.suite, picked, label, frame, self.report):
            self.found.setdefault((split, i), []).append(result)
        # GX leaves each run's objects, the chunk's frame among them, in reference cycles: collect
        # them now, or the main process grows by ~25 MB a chunk until validation ends.
        gc.collect()


def _frame(table: pa.Table, offset: int, split_start: int):
    """Return `table` as a pandas frame indexed by dataset row (`offset` for its first), with the
    1-based row number in its split when it has no `id`."""
    frame = table.to_pandas()
    frame.index = range(offset, offset + len(frame))
    if "id" not in frame.columns:
        first = offset - split_start + 1
        frame[ROW_COLUMN] = range(first, first + len(frame))
    return frame


def _named_columns(names: list[str], entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the columns of `names` the expectations `entries` name, and `id` (to name failing rows)."""
    wanted = {"id"}
    for entry in entries:
        for key in _COLUMN_KEYS:
            value = entry["kwargs"].get(key)
            wanted.update(value if isinstance(value, list) else [value] if isinstance(value, str) else [])
    return [name for name in names if name in wanted]


def _only_named(table: pa.Table, picked: list[tuple[int, Mapping[str, Any]]]) -> pa.Table:
    """Return `table` with only the columns the picked expectations name (all if they name none)."""
    return table.select(_named_columns(table.column_names, [e for _, e in picked]) or table.column_names)


def _read_columns(source: SplitSource, kwargs: Mapping[str, Any]) -> pa.Table:
    """Return the whole split with only the columns `kwargs` name (and `id`, to name failing rows)."""
    columns = _named_columns(source_schema(source).names, [{"kwargs": kwargs}])
    if not columns:  # e.g. a row count: rows without columns
        return pa.table({ROW_COLUMN: pa.array(range(1, source_rows(source) + 1), pa.int64())})
    return pa.concat_tables(list(iter_chunks(source, BATCH_ROWS, columns)))


@contextlib.contextmanager
def without_batch_fingerprints() -> Iterator[None]:
    """Keep GX from fingerprinting each pandas batch while the block runs.

    GX hashes every value of an in-memory batch smaller than its `HASH_THRESHOLD` (1 GB), twice
    per run, only to record the hash among the batch's markers (Data Docs show it); no result
    depends on it. On the 100k benchmark release that hashing was 2.8 of the expectations' 5.0 s.
    GX has no setting for it, so the module constant of the pinned version is lowered meanwhile
    (`tests/validation/test_runner.py` checks that it still exists).
    """
    from great_expectations.execution_engine import pandas_execution_engine

    saved = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 0  # `memory_usage().sum() < 0` never holds
    try:
        yield
    finally:
        pandas_execution_engine.HASH_THRESHOLD = saved


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@dataclass(frozen=True)
class _ChunkResult:
    result: ExpectationResult
    missing_count: int


def _run(context, suite: Suite, picked, label: str, frame, report: ValidationReport):
    """Validate `frame` with the picked `(index, entry)` expectations; yield `(index, result)`."""
    if not picked:
        return
    index_column = "id" if "id" in frame.columns else ROW_COLUMN
    name = f"{suite.name}.{label}"
    source = context.data_sources.add_or_update_pandas(name)
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(batch_parameters={"dataframe": frame})
    subset = Suite(suite.name, suite.path, tuple(e for _, e in picked))
    result = batch.validate(
        build_gx_suite(subset),
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": ID_SAMPLE,
            "unexpected_index_column_names": [index_column],
        },
    )
    context.data_sources.delete(name)  # the data source holds the frame: free it with the chunk
    by_id = {r.expectation_config.id: r for r in result.results}
    report.gx_results.append((label, result))
    for position, (i, entry) in enumerate(picked):
        gx_result = by_id[f"{position:04d}"]
        missing = (gx_result.result or {}).get("missing_count") or 0
        yield i, _ChunkResult(_result(label, entry, gx_result, index_column), missing)


def _merge(split: str, entry: dict[str, Any], parts: list[_ChunkResult]) -> ExpectationResult:
    """Return one result from the results of an expectation on the chunks of a split."""
    first = parts[0].result
    if len(parts) == 1:
        return dataclasses.replace(first, split=split)
    counted = all(p.result.element_count is not None for p in parts)
    elements = sum(p.result.element_count or 0 for p in parts)
    unexpected = sum(p.result.unexpected_count or 0 for p in parts)
    present = elements - sum(p.missing_count for p in parts)
    if counted:  # a map result: the share of rows that pass, against `mostly`
        success = present == 0 or (present - unexpected) / present >= entry["kwargs"].get("mostly", 1.0)
    else:  # an observed value per chunk (e.g. a column's type): every chunk must pass
        success = all(p.result.success for p in parts)
    details: dict[str, Any] = {}
    for part in parts:
        for key, value in part.result.details.items():
            if isinstance(value, list):
                details[key] = (details.get(key, []) + value)[:ID_SAMPLE]
            else:
                details.setdefault(key, value)
    exceptions = [p.result.exception for p in parts if p.result.exception]
    return dataclasses.replace(
        first,
        split=split,
        success=success,
        element_count=elements if counted else None,
        unexpected_count=unexpected if counted else None,
        unexpected_ids=[i for p in parts for i in p.result.unexpected_ids][:ID_SAMPLE],
        details=details,
        exception="; ".join(dict.fromkeys(exceptions)) or None,
    )


def _result(split: str, entry: dict[str, Any], gx_result, index_column: str) -> ExpectationResult:
    body = dict(gx_result.result or {})
    ids = [
        _plain(row.get(index_column))
        for row in body.get("partial_unexpected_index_list") or []
        if isinstance(row, dict)
    ]
    details = body.get("details") or {}
    if not details and "observed_value" in body:
        details = {"observed_value": body["observed_value"]}
    return ExpectationResult(
        split=split,
        expectation_type=entry["type"],
        column=entry["kwargs"].get("column"),
        success=bool(gx_result.success),
        element_count=body.get("element_count"),
        unexpected_count=body.get("unexpected_count"),
        unexpected_ids=ids[:ID_SAMPLE],
        details=details,
        kwargs=entry["kwargs"],
        exception=_exception_message(gx_result.exception_info),
    )


def _exception_message(info: Any) -> str | None:
    """Return the message of an exception GX caught while evaluating an expectation, or None."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception in metric") if info["raised_exception"] else None
    messages = [
        v.get("exception_message") or "exception in metric"
        for v in info.values()
        if isinstance(v, dict) and v.get("raised_exception")
    ]
    return "; ".join(messages) or None


def _plain(value: Any) -> Any:
    """Return a NumPy scalar (a row number) as the Python value."""
    return value.item() if hasattr(value, "item") else value
