"""Write a validation report to files: `--json`, `--junit` and `--docs` (GX Data Docs HTML)."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from corpus_kit.errors import InputError
from corpus_kit.validation.results import ValidationReport


def _write(path: Path, text: str) -> None:
    """Write `text` to a temporary name beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from err


def write_json(report: ValidationReport, path: str | Path) -> None:
    """Write `report.to_json()` to `path`."""
    _write(Path(path), json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")


def write_junit(report: ValidationReport, path: str | Path) -> None:
    """Write the JUnit XML of `report` to `path`."""
    _write(Path(path), report.to_junit())


def _page_name(label: str, taken: set[str]) -> str:
    """Return a file name for the Data Docs page of a GX run, unique among `taken`."""
    stem = "all-splits" if label == "*" else re.sub(r"[^\w.-]+", "_", label).strip("_") or "batch"
    name, n = f"{stem}.html", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.html"
    taken.add(name)
    return name


def write_data_docs(report: ValidationReport, directory: str | Path) -> Path:
    """Render GX Data Docs: one page per validated batch and an `index.html`; return the index path."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    directory = Path(directory)
    renderer, view = ValidationResultsPageRenderer(), DefaultJinjaPageView()
    links: list[str] = []
    taken: set[str] = set()
    for split, gx_result in report.gx_results:
        name = _page_name(split, taken)
        _write(directory / name, view.render(renderer.render(gx_result)))
        verdict = "passed" if gx_result.success else "failed"
        links.append(f'<li><a href="{html.escape(name)}">{html.escape(split)}</a>: {verdict}</li>')
    verdict = "ERROR" if report.error else "PASSED" if report.success else "FAILED"
    index = (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>corpus-kit validation: {html.escape(report.suite)}</title></head>\n"
        f"<body><h1>Suite {html.escape(report.suite)}: {verdict}</h1>\n<ul>\n"
        + "\n".join(links)
        + "\n</ul></body></html>\n"
    )
    _write(directory / "index.html", index)
    return directory / "index.html"


def write_threshold_report(path: str | Path, output: str | Path, **options) -> Path:
    """Write the threshold what-if HTML report of the dataset at `path` to `output`.

    `options` go to `corpus_kit.validation.report.threshold_report` (stage configs, `max_docs`).
    """
    from corpus_kit.validation.datasets import read_dataset
    from corpus_kit.validation.report import threshold_report

    splits = read_dataset(path)
    _write(
        Path(output),
        threshold_report(splits, title=f"corpus-kit threshold report: {Path(path).name}", **options),
    )
    return Path(output)
