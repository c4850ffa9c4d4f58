"""Leftover scores a build's clean stage computed are read by the boilerplate check instead of classifying."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

from corpus_kit import schema
from corpus_kit.builder import build
from corpus_kit.config import BoilerplateConfig, load_config
from corpus_kit.validation import checks, validate_path, validate_splits
from corpus_kit.validation.context import LeftoverScores
from tests.validation.corpora import one_split_build, seed_paragraphs, table
from tests.validation.test_chunked import _outcome

BOILERPLATE = "expect_column_values_to_have_no_boilerplate_lines"
SCORES = schema.LEFTOVER_SCORE.name


def _boilerplate_result(report):
    [result] = [r for r in report.results if r.expectation_type == BOILERPLATE]
    return result


def _scored(texts: list[str], score: float | None) -> pa.Table:
    return table(texts).append_column(SCORES, pa.array([score] * len(texts), schema.LEFTOVER_SCORE.type))


def test_scores_are_read_instead_of_classified() -> None:
    # Clean article paragraphs scored as confident boilerplate: only a check that reads the scores
    # can fail them. The score column itself is no column of the dataset GX sees.
    splits = {"train": _scored(seed_paragraphs()[:8], 0.95)}
    scores = [LeftoverScores("text", SCORES, BoilerplateConfig())]
    read = validate_splits(splits, "corpus", scores=scores)
    classified = validate_splits(splits, "corpus")
    assert (_boilerplate_result(read).success, _boilerplate_result(read).unexpected_count) == (False, 8)
    assert (_boilerplate_result(classified).success, _boilerplate_result(classified).unexpected_count) == (
        True,
        0,
    )
    assert all(SCORES not in str(r.details) for r in read.results)


def test_scores_of_other_settings_are_not_read() -> None:
    splits = {"train": _scored(seed_paragraphs()[:8], 0.95)}
    for known in (
        LeftoverScores("text", SCORES, BoilerplateConfig(threshold=0.6)),
        LeftoverScores("text", SCORES, BoilerplateConfig(tail_gap=3)),
        LeftoverScores("title", SCORES, BoilerplateConfig()),
    ):
        result = _boilerplate_result(validate_splits(splits, "corpus", scores=[known]))
        assert (result.success, result.unexpected_count) == (True, 0)


def test_build_validation_reads_its_scores_and_equals_a_standalone_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 31 articles of one site; 4 end with a sentence the build keeps (on too few pages to be a
    # template line of the site) but the release suite's repeated-line rule (3 pages) reports.
    note = "Reporting was contributed by our correspondents in Srinagar, Islamabad and New Delhi."
    docs = [f"{p}\n{note}" if i < 4 else p for i, p in enumerate(seed_paragraphs()[:31])]
    url = "https://news.example.org/world/kashmir-{}.html"
    records = [{"id": f"d{i}", "text": t, "url": url.format(i)} for i, t in enumerate(docs)]
    overrides = one_split_build(tmp_path, records)
    with monkeypatch.context() as patched:  # the build's own scores: no classifier over the rows
        patched.setattr(checks, "has_boilerplate", None)
        report = build(load_config(None, overrides))
    standalone = validate_path(report.release)
    assert _boilerplate_result(report.validation).unexpected_count == 4
    assert _outcome(report.validation) == _outcome(standalone)
    assert dataclasses.asdict(report.validation)["results"] == dataclasses.asdict(standalone)["results"]
