"""The custom Great Expectations of corpus-kit, all in one module.

Importing this module registers the expectations with GX (its metaclass does it on class creation),
so `corpus_kit.validation.suites` imports it before loading a suite. Each expectation computes its
check from the text column with `corpus_kit.validation.checks`; no column the pipeline wrote is read.
During a corpus-kit validation run the row flags come from the run's `ValidationContext`, computed
with the same checks over the whole dataset before GX sees it chunk by chunk.

Pandas only: validation runs on an in-memory batch in an ephemeral context.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal  # noqa: F401  (Literal: a string annotation below)

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, ColumnPairMapExpectation
from great_expectations.expectations.metrics.column_aggregate_metric_provider import (
    ColumnAggregateMetricProvider,
    column_aggregate_value,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.validator.metric_configuration import MetricConfiguration

from corpus_kit.validation import checks, context
from corpus_kit.validation.context import active_context

#: Number of failing rows whose details (offending lines, detected language) a result shows.
DETAIL_SAMPLE = 20

#: The column the validator adds to a combined batch of every split; values are split names.
SPLIT_COLUMN = "__split__"


def _series(values: list[Any], index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index, dtype=bool)


def _known(column: pd.Series, key: context.FlagKey) -> list[bool] | None:
    """Return the flags the running validation computed for these rows, or None to compute them here."""
    running = active_context()
    return running.row_flags(key, column.index) if running is not None else None


def _sample_texts(result: dict[str, Any]) -> list[tuple[Any, str]]:
    """Return `(id, text)` of the failing rows listed in a GX map result, at most `DETAIL_SAMPLE`."""
    body = result.get("result") or {}
    rows = body.get("partial_unexpected_index_list") or []
    ids = body.get("unexpected_index_column_names") or []
    pairs = []
    for row in rows[:DETAIL_SAMPLE]:
        if isinstance(row, dict):
            key = tuple(row[name] for name in ids) if len(ids) > 1 else row.get(ids[0]) if ids else None
            text = next((v for k, v in row.items() if k not in ids), None)
            if isinstance(text, str):
                pairs.append((key, text))
    return pairs


_TEMPLATE_METRIC = "column.corpus_kit.template_lines"
_TEMPLATE_KEYS = checks.TEMPLATE_KEYS
_BOILERPLATE_FIELDS = checks.BOILERPLATE_FIELDS
_BOILERPLATE_KEYS = tuple(_BOILERPLATE_FIELDS)


class ColumnTemplateLines(ColumnAggregateMetricProvider):
    """The template lines of a text column: lines repeated on enough of its rows.

    During a corpus-kit validation run, those of the whole split the rows belong to (the ones its
    flags were computed with), not of this chunk alone.
    """

    metric_name = _TEMPLATE_METRIC
    value_keys = _TEMPLATE_KEYS

    @column_aggregate_value(engine=PandasExecutionEngine, filter_column_isnull=True)
    def _pandas(cls, column: pd.Series, **kwargs: Any):
        cfg = checks.template_config(kwargs)
        running = active_context()
        known = running.split_templates(column.name, cfg, column.index) if running is not None else None
        return known if known is not None else checks.template_lines(column.tolist(), cfg)


def _template_dependency(metric_domain_kwargs: dict, metric_value_kwargs: dict) -> MetricConfiguration:
    return MetricConfiguration(
        metric_name=_TEMPLATE_METRIC,
        metric_domain_kwargs=metric_domain_kwargs,
        metric_value_kwargs={key: metric_value_kwargs[key] for key in _TEMPLATE_KEYS},
    )


class ColumnValuesHaveNoBoilerplate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.corpus_kit.no_boilerplate"
    condition_value_keys = ("min_score", *_BOILERPLATE_KEYS)

    @classmethod
    def _get_evaluation_dependencies(
        cls, metric, configuration=None, execution_engine=None, runtime_configuration=None
    ):
        dependencies = super()._get_evaluation_dependencies(
            metric=metric,
            configuration=configuration,
            execution_engine=execution_engine,
            runtime_configuration=runtime_configuration,
        )
        if metric.metric_name == f"{cls.condition_metric_name}.condition":
            dependencies[_TEMPLATE_METRIC] = _template_dependency(
                metric.metric_domain_kwargs, metric.metric_value_kwargs
            )
        return dependencies

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, _metrics: dict, min_score: float, **kwargs: Any) -> pd.Series:
        cfg = checks.boilerplate_config(kwargs)
        flags = _known(column, (context.BOILERPLATE, column.name, cfg, min_score))
        if flags is None:
            flags = checks.has_boilerplate(column.tolist(), cfg, _metrics[_TEMPLATE_METRIC], min_score)
        return ~_series(flags, column.index)


class ExpectColumnValuesToHaveNoBoilerplateLines(ColumnMapExpectation):
    """Expect texts to contain no line corpus-kit's boilerplate cleaner would remove.

    The cleaner's rules, line classifier (`threshold`, `heading_threshold`) and template lines (lines
    on at least `template_min_docs` and `template_min_share` of the rows) all apply. A line only the
    classifier removes counts when its boilerplate score is at least `min_score`: a line alone is
    harder to judge than in its page, and the check should only report confident leftovers.
    `details.offending_lines` lists, for a sample of failing rows, each line with its number and reason.
    """

    __annotations__ = {"min_score": "float", **_BOILERPLATE_FIELDS}
    map_metric: ClassVar[str] = "column_values.corpus_kit.no_boilerplate"
    success_keys: ClassVar[tuple[str, ...]] = ("min_score", *_BOILERPLATE_KEYS, "mostly")

    def get_validation_dependencies(self, execution_engine=None, runtime_configuration=None, **kwargs: Any):
        dependencies = super().get_validation_dependencies(execution_engine, runtime_configuration, **kwargs)
        domain = {
            "column": self.column,
            "row_condition": self.row_condition,
            "condition_parser": self.condition_parser,
        }
        dependencies.set_metric_configuration(
            _TEMPLATE_METRIC,
            _template_dependency({k: v for k, v in domain.items() if v is not None}, self.__dict__),
        )
        return dependencies

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None):
        result = super()._validate(metrics, runtime_configuration, execution_engine)
        cfg = checks.boilerplate_config(self.__dict__)
        templates = metrics.get(_TEMPLATE_METRIC)
        result.setdefault("result", {})["details"] = {
            "offending_lines": [
                {
                    "id": key,
                    "lines": [
                        {"line": n, "text": t, "reason": r}
                        for n, t, r in checks.boilerplate_lines(text, cfg, templates, self.min_score)
                    ],
                }
                for key, text in _sample_texts(result)
            ]
        }
        return result


_LANGID_FIELDS = checks.LANGID_FIELDS
_LANGID_KEYS = tuple(_LANGID_FIELDS)


class ColumnValuesInLanguages(ColumnMapMetricProvider):
    condition_metric_name = "column_values.corpus_kit.in_languages"
    condition_value_keys = ("allowed_languages", *_LANGID_KEYS)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, allowed_languages: list[str], **kwargs: Any) -> pd.Series:
        if not allowed_languages:  # no expected languages: any language passes, as in LangidConfig
            return _series([True] * len(column), column.index)
        allowed = frozenset(allowed_languages)
        cfg = checks.langid_config(kwargs)
        flags = _known(column, (context.LANGUAGE, column.name, cfg, allowed))
        if flags is None:
            flags = checks.outside_languages(column.tolist(), cfg, allowed)
        return ~_series(flags, column.index)


class ExpectColumnValuesToBeInLanguages(ColumnMapExpectation):
    """Expect at least `mostly` of the texts to be detected as one of `allowed_languages`.

    Detection is corpus-kit's language stage with the other parameters as its `LangidConfig`; a text
    it cannot label is `und` and fails. An empty `allowed_languages` accepts any language.
    `details.detected` gives the detected language of a sample of failing rows.
    """

    __annotations__ = {"allowed_languages": "list[str]", **_LANGID_FIELDS}
    map_metric: ClassVar[str] = "column_values.corpus_kit.in_languages"
    success_keys: ClassVar[tuple[str, ...]] = ("allowed_languages", *_LANGID_KEYS, "mostly")

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None):
        result = super()._validate(metrics, runtime_configuration, execution_engine)
        sample = _sample_texts(result)
        langs = checks.detect_languages([text for _, text in sample], checks.langid_config(self.__dict__))
        result.setdefault("result", {})["details"] = {
            "detected": [{"id": key, "lang": lang} for (key, _), lang in zip(sample, langs, strict=True)]
        }
        return result


class ColumnValuesNotExactDuplicates(ColumnMapMetricProvider):
    condition_metric_name = "column_values.corpus_kit.not_exact_duplicate"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        flags = _known(column, (context.EXACT, column.name))
        return ~_series(checks.is_exact_duplicate(column.tolist()) if flags is None else flags, column.index)


class ExpectColumnValuesToNotBeExactDuplicates(ColumnMapExpectation):
    """Expect no text to be an exact copy of an earlier one (the first copy passes, the others fail)."""

    map_metric: ClassVar[str] = "column_values.corpus_kit.not_exact_duplicate"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


_DEDUP_FIELDS = checks.DEDUP_FIELDS
_DEDUP_KEYS = tuple(_DEDUP_FIELDS)


class ColumnValuesNotNearDuplicates(ColumnMapMetricProvider):
    condition_metric_name = "column_values.corpus_kit.not_near_duplicate"
    condition_value_keys = _DEDUP_KEYS

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        cfg = checks.dedup_config(kwargs)
        flags = _known(column, (context.NEAR, column.name, cfg))
        return ~_series(
            checks.is_near_duplicate(column.tolist(), cfg) if flags is None else flags, column.index
        )


class ExpectColumnValuesToNotBeNearDuplicates(ColumnMapExpectation):
    """Expect no text to be an exact or near duplicate of an earlier one (the dedup stage's MinHash + LSH).

    The parameters are those of `DedupConfig`; the first row of each cluster passes, the others fail.
    """

    __annotations__ = dict(_DEDUP_FIELDS)
    map_metric: ClassVar[str] = "column_values.corpus_kit.not_near_duplicate"
    success_keys: ClassVar[tuple[str, ...]] = (*_DEDUP_KEYS, "mostly")


class ColumnPairValuesNotLeakingAcrossSplits(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.corpus_kit.not_leaking_across_splits"
    condition_domain_keys = ("column_A", "column_B", "ignore_row_if", "row_condition", "condition_parser")
    condition_value_keys = _DEDUP_KEYS

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        cfg = checks.dedup_config(kwargs)
        flags = _known(column_B, (context.LEAK, column_B.name, cfg))
        if flags is None:
            flags = checks.leaks_across_splits(column_A.astype(str).tolist(), column_B.tolist(), cfg)
        return ~_series(flags, column_B.index)


class ExpectColumnPairValuesToNotLeakAcrossSplits(ColumnPairMapExpectation):
    """Expect no text (`column_B`) to have an exact or near duplicate in another split (`column_A`).

    Runs on one batch holding every split; the validator fills `column_A` ("__split__") with the split
    each row was read from, so a release edited by hand is judged by where its rows are.
    """

    __annotations__ = {
        "ignore_row_if": 'Literal["both_values_are_missing", "either_value_is_missing", "neither"]',
        **_DEDUP_FIELDS,
    }
    map_metric: ClassVar[str] = "column_pair_values.corpus_kit.not_leaking_across_splits"
    success_keys: ClassVar[tuple[str, ...]] = (
        "column_A",
        "column_B",
        "ignore_row_if",
        *_DEDUP_KEYS,
        "mostly",
    )


#: Expectation types that need all splits in one batch.
CROSS_SPLIT_TYPES = frozenset({ExpectColumnPairValuesToNotLeakAcrossSplits.expectation_type})

#: Every expectation type this module defines.
CUSTOM_TYPES = frozenset(
    cls.expectation_type
    for cls in (
        ExpectColumnValuesToHaveNoBoilerplateLines,
        ExpectColumnValuesToBeInLanguages,
        ExpectColumnValuesToNotBeExactDuplicates,
        ExpectColumnValuesToNotBeNearDuplicates,
        ExpectColumnPairValuesToNotLeakAcrossSplits,
    )
)
