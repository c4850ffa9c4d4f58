"""What `corpus-kit validate` and `corpus-kit report` do, for the CLI to call."""

from __future__ import annotations

import sys
from pathlib import Path

from corpus_kit.config import BuildConfig
from corpus_kit.validation.outputs import write_data_docs, write_json, write_junit, write_threshold_report
from corpus_kit.validation.runner import validate_path


def run_validate_command(
    path: str | Path,
    suite: str | Path | None = None,
    json_path: str | Path | None = None,
    junit_path: str | Path | None = None,
    docs_dir: str | Path | None = None,
    *,
    workers: int = 0,
) -> int:
    """Validate `path`, print the result table to stdout, write the requested files; return the exit code.

    Exit codes: 0 every expectation passed, 1 one failed, 2 a check raised (see `ValidationReport`).
    The files are written whatever the outcome, so CI keeps the report of a failed run. `workers`
    processes compute the checks (0: all cores).
    """
    report = validate_path(path, suite, workers=workers)
    print(report.format_table(), file=sys.stdout)
    if json_path is not None:
        write_json(report, json_path)
    if junit_path is not None:
        write_junit(report, junit_path)
    if docs_dir is not None:
        write_data_docs(report, docs_dir)
    return int(report.exit_code)


def run_report_command(
    path: str | Path, output: str | Path, cfg: BuildConfig | None = None, max_docs: int = 2000
) -> int:
    """Write the threshold what-if report of `path` to `output` (HTML) and print where it went.

    The configured values (marked in the report) come from `cfg`'s boilerplate, dedup and langid
    sections, defaults when `cfg` is None.
    """
    cfg = cfg or BuildConfig()
    written = write_threshold_report(
        path, output, boilerplate=cfg.boilerplate, dedup=cfg.dedup, langid=cfg.langid, max_docs=max_docs
    )
    print(f"report written to {written}", file=sys.stdout)
    return 0
