"""Validation of datasets against the expectation suites in `expectations/`.

This package is the only one that imports `great_expectations`, and only when a validation runs:
importing `corpus_kit.validation` stays cheap.
"""

from corpus_kit.validation.command import run_report_command, run_validate_command
from corpus_kit.validation.outputs import write_data_docs, write_json, write_junit, write_threshold_report
from corpus_kit.validation.results import ExpectationResult, ValidationReport
from corpus_kit.validation.runner import validate_path, validate_splits
from corpus_kit.validation.suites import params_from_config

__all__ = [
    "ExpectationResult",
    "ValidationReport",
    "params_from_config",
    "run_report_command",
    "run_validate_command",
    "validate_path",
    "validate_splits",
    "write_data_docs",
    "write_json",
    "write_junit",
    "write_threshold_report",
]
