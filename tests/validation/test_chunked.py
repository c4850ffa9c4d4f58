"""Validation in chunks and on several processes reports what one batch of the whole dataset reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_kit.errors import ExitCode
from corpus_kit.validation import validate_path, validate_splits
from corpus_kit.validation.datasets import dataset_sources
from tests.validation.corpora import (
    german_paragraphs,
    leaky_release,
    near_copy,
    seed_paragraphs,
    table,
)


def _outcome(report) -> list[tuple]:
    return [
        (
            r.split,
            r.label,
            r.success,
            r.element_count,
            r.unexpected_count,
            r.unexpected_ids,
            r.details,
            r.exception,
        )
        for r in report.results
    ]


def _bad_corpus() -> list[str | None]:
    """Seed paragraphs with a copy, a near copy, German text, a menu line and an empty row mixed in."""
    paragraphs = seed_paragraphs()
    return [
        *paragraphs[:12],
        paragraphs[3],
        near_copy(paragraphs[5]),
        *german_paragraphs(2),
        "Home\nNews\nSport\nContact us\n" + paragraphs[20],
        "",
        *paragraphs[12:],
    ]


@pytest.mark.parametrize(("batch_rows", "workers"), [(5, 1), (7, 2)])
def test_chunks_and_workers_change_nothing(batch_rows: int, workers: int) -> None:
    splits = {"train": table(_bad_corpus())}
    whole = validate_splits(splits, "corpus", workers=1)
    chunked = validate_splits(splits, "corpus", batch_rows=batch_rows, workers=workers)
    assert not whole.success and not whole.error
    failed = {r.label for r in whole.results if not r.success}
    assert {
        "expect_column_values_to_not_be_exact_duplicates(text)",
        "expect_column_values_to_not_be_near_duplicates(text)",
        "expect_column_values_to_match_regex(text)",
    } <= failed
    assert _outcome(chunked) == _outcome(whole)
    assert len(chunked.gx_results) > len(whole.gx_results)


def test_chunks_report_the_template_lines_of_their_split() -> None:
    # A line on three pages of the split, each in another chunk of 5 rows: a template line of the
    # split, which the failing rows' details name in every chunk as they do in one whole batch.
    note = "Reporting was contributed by our correspondents in Srinagar, Islamabad and New Delhi."
    texts = [f"{p}\n{note}" if i in (1, 6, 11) else p for i, p in enumerate(seed_paragraphs()[:15])]
    splits = {"train": table(texts)}
    whole = validate_splits(splits, "corpus", workers=1)
    chunked = validate_splits(splits, "corpus", batch_rows=5, workers=1)
    [result] = [
        r
        for r in chunked.results
        if r.expectation_type == "expect_column_values_to_have_no_boilerplate_lines"
    ]
    assert result.unexpected_count == 3
    offending = {row["id"]: row["lines"] for row in result.details["offending_lines"]}
    assert offending == {
        f"doc-{i}": [{"line": 1, "text": note, "reason": "template_line"}] for i in (1, 6, 11)
    }
    assert _outcome(chunked) == _outcome(whole)


def test_release_in_chunks_finds_leaks_across_splits(tmp_path: Path) -> None:
    root = leaky_release(tmp_path / "rel")
    whole = validate_path(root)
    chunked = validate_splits(dataset_sources(root), "release", batch_rows=4, workers=2)
    assert [r.unexpected_ids for r in chunked.results if r.split == "*"] == [
        r.unexpected_ids for r in whole.results if r.split == "*"
    ]
    assert _outcome(chunked) == _outcome(whole)


def test_empty_dataset_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    report = validate_path(tmp_path / "empty.jsonl")
    assert not report.success
    assert "expect_column_to_exist(text)" in {r.label for r in report.results if not r.success}
    no_rows = validate_splits({"train": table([])}, "corpus")
    assert [
        r.element_count for r in no_rows.results if r.label == "expect_column_values_to_not_be_null(text)"
    ] == [0]


def test_missing_text_column_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "body.jsonl"
    path.write_text('{"id": "a", "body": "hello world"}\n', encoding="utf-8")
    report = validate_path(path)
    assert report.exit_code == ExitCode.ERROR
    assert "expect_column_to_exist(text)" in {r.label for r in report.results if not r.success}
