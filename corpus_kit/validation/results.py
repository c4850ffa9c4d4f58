"""The outcome of a validation run and its renderings: console table, JSON, JUnit XML, summary.

Plain data, no Great Expectations import: the GX result objects ride along only for Data Docs.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from corpus_kit.errors import ExitCode

#: How many failing ids a result keeps.
ID_SAMPLE = 20


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation evaluated on one split (`split` is "*" for checks across all splits)."""

    split: str
    expectation_type: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_ids: list[Any]
    details: dict[str, Any]
    kwargs: dict[str, Any]
    #: Message of an exception raised while computing the check; the result then means nothing.
    exception: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "split": self.split,
            "expectation_type": self.expectation_type,
            "column": self.column,
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_ids": _jsonable(self.unexpected_ids),
            "details": _jsonable(self.details),
            "kwargs": _jsonable(self.kwargs),
            "exception": self.exception,
        }

    @property
    def label(self) -> str:
        """Return `expectation_type(column)`, how the table and JUnit name the check."""
        if self.column:
            return f"{self.expectation_type}({self.column})"
        if "column_A" in self.kwargs:
            return f"{self.expectation_type}({self.kwargs['column_A']}, {self.kwargs['column_B']})"
        return self.expectation_type


@dataclass
class ValidationReport:
    """Every expectation of a suite on every split; `success` only when all pass and none errored."""

    suite: str
    results: list[ExpectationResult]
    gx_results: list[tuple[str, Any]] = field(default_factory=list, repr=False)
    #: Seconds the run took, summed over the processes that computed checks (0.0 when not timed).
    worker_seconds: float = 0.0

    @property
    def error(self) -> bool:
        """True when a check raised inside GX (the run cannot tell pass from fail)."""
        return any(r.exception is not None for r in self.results)

    @property
    def success(self) -> bool:
        """True when every expectation passed on every split."""
        return not self.error and all(r.success for r in self.results)

    @property
    def exit_code(self) -> ExitCode:
        """Exit code of `corpus-kit validate`: 0 pass, 1 an expectation failed, 2 an error."""
        if self.error:
            return ExitCode.ERROR
        return ExitCode.OK if self.success else ExitCode.VALIDATION_FAILED

    def to_json(self) -> dict[str, Any]:
        """Return `{"success", "error", "suite", "results": [...]}` for `--json`."""
        return {
            "success": self.success,
            "error": self.error,
            "suite": self.suite,
            "results": [r.to_json() for r in self.results],
        }

    def to_junit(self) -> str:
        """Return JUnit XML: one testsuite per split, one testcase per expectation."""
        root = ET.Element("testsuites", name=f"corpus-kit validate ({self.suite})")
        for split in dict.fromkeys(r.split for r in self.results):
            cases = [r for r in self.results if r.split == split]
            suite = ET.SubElement(
                root,
                "testsuite",
                name=f"{self.suite}.{split}",
                tests=str(len(cases)),
                failures=str(sum(not r.success and r.exception is None for r in cases)),
                errors=str(sum(r.exception is not None for r in cases)),
            )
            for result in cases:
                case = ET.SubElement(suite, "testcase", classname=f"{self.suite}.{split}", name=result.label)
                if result.exception is not None:
                    ET.SubElement(case, "error", message=result.exception).text = result.exception
                elif not result.success:
                    message = _failure_message(result)
                    body = json.dumps(
                        _jsonable({"unexpected_ids": result.unexpected_ids, **result.details}), indent=1
                    )
                    ET.SubElement(case, "failure", message=message).text = body
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

    def format_table(self) -> str:
        """Return a plain-text table, one row per result, then the verdict."""
        header = ("split", "expectation", "result", "unexpected")
        rows = [
            (
                r.split,
                r.label,
                "ERROR" if r.exception is not None else "pass" if r.success else "FAIL",
                "" if r.unexpected_count is None else f"{r.unexpected_count}/{r.element_count}",
            )
            for r in self.results
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in [header, *rows]
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        for r in self.results:
            if r.exception is not None:
                lines.append(f"error in {r.split}/{r.label}: {r.exception}")
        verdict = "ERROR" if self.error else "PASSED" if self.success else "FAILED"
        failed = sum(not r.success for r in self.results)
        lines.append(
            f"{verdict}: {len(self.results) - failed}/{len(self.results)} expectations passed "
            f"(suite {self.suite})"
        )
        return "\n".join(lines)

    def summary(self) -> list[dict[str, Any]]:
        """Return one row per result for the dataset card: split, expectation, success, counts."""
        return [
            {
                "split": r.split,
                "expectation": r.label,
                "success": r.success,
                "unexpected_count": r.unexpected_count,
                "element_count": r.element_count,
            }
            for r in self.results
        ]


def _failure_message(result: ExpectationResult) -> str:
    if result.unexpected_count is None:
        return "expectation not met"
    ids = ", ".join(str(i) for i in result.unexpected_ids[:5])
    return f"{result.unexpected_count} of {result.element_count} rows unexpected" + (
        f" (e.g. {ids})" if ids else ""
    )


def _jsonable(value: Any) -> Any:
    """Return `value` with NaN as None and non-JSON scalars as strings, so `json.dumps` never fails."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return str(value)
