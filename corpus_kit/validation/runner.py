"""Run an expectation suite over the splits of a dataset in an ephemeral Great Expectations context.

Every split is one pandas batch and gets every expectation except the cross-split ones, which run
once on a batch of all splits with a `__split__` column naming where each row was read from. An
exception inside a metric is reported by GX as a failed expectation with `exception_info`; it is
turned into an error here, so a crash never reads as "validation failed".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from corpus_kit.validation.datasets import is_release, read_dataset
from corpus_kit.validation.results import ID_SAMPLE, ExpectationResult, ValidationReport
from corpus_kit.validation.suites import Suite, build_gx_suite, load_suite

logger = logging.getLogger(__name__)

#: Column added to a batch without an `id` column, so failing rows can still be named (1-based row).
ROW_COLUMN = "__row__"
#: Split name of results computed over all splits together.
ALL_SPLITS = "*"


def validate_path(
    path: str | Path, suite: str | Path | None = None, *, params: Mapping[str, Any] | None = None
) -> ValidationReport:
    """Validate a release folder, a Parquet file or folder, or a JSONL file against `suite`.

    `suite` defaults to "release" for a release and "corpus" otherwise. A release is checked with
    the settings it was built with (the config in its manifest) unless `params` are given.
    """
    path = Path(path)
    splits = read_dataset(path)
    if suite is None:
        suite = "release" if is_release(path) else "corpus"
    if params is None and is_release(path):
        params = _release_params(path)
    return validate_splits(splits, suite, params=params)


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


def validate_splits(
    splits: Mapping[str, pa.Table], suite: str | Path, *, params: Mapping[str, Any] | None = None
) -> ValidationReport:
    """Validate every split with `suite`, and the splits together with its cross-split expectations.

    `params` replaces suite values the suite marks as parameters (e.g. `{"languages": ["en"]}`).
    """
    from corpus_kit.validation.expectations import CROSS_SPLIT_TYPES, SPLIT_COLUMN

    loaded = load_suite(suite, params)
    build_gx_suite(loaded)  # fails loudly on unknown types or kwargs before any work
    per_split = _subset(loaded, lambda t: t not in CROSS_SPLIT_TYPES)
    across = _subset(loaded, lambda t: t in CROSS_SPLIT_TYPES)
    context = _context()
    report = ValidationReport(suite=loaded.name, results=[])
    for split, table in splits.items():
        if per_split.expectations:
            _run(context, per_split, split, table, report)
    if across.expectations:
        combined = pa.concat_tables(
            [
                t.append_column(SPLIT_COLUMN, pa.array([s] * t.num_rows, pa.string()))
                for s, t in splits.items()
            ],
            promote_options="permissive",
        )
        _run(context, across, ALL_SPLITS, combined, report)
    return report


def _subset(suite: Suite, keep) -> Suite:
    return Suite(suite.name, suite.path, tuple(e for e in suite.expectations if keep(e["type"])))


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


def _run(context, suite: Suite, split: str, table: pa.Table, report: ValidationReport) -> None:
    frame = table.to_pandas()
    if "id" in frame.columns:
        index_column = "id"
    else:
        index_column = ROW_COLUMN
        frame[ROW_COLUMN] = range(1, len(frame) + 1)
    name = f"{suite.name}.{split}"
    source = context.data_sources.add_or_update_pandas(name)
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(batch_parameters={"dataframe": frame})
    gx_suite = build_gx_suite(suite)
    result = batch.validate(
        gx_suite,
        result_format={
            "result_format": "SUMMARY",
            "partial_unexpected_count": ID_SAMPLE,
            "unexpected_index_column_names": [index_column],
        },
    )
    by_id = {r.expectation_config.id: r for r in result.results}
    for index, entry in enumerate(suite.expectations):
        report.results.append(_result(split, entry, by_id[f"{index:04d}"], index_column))
    report.gx_results.append((split, result))


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
