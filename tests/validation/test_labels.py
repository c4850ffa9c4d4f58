"""Language labels a build computed itself are read by the language check instead of detected again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

from corpus_kit.builder import build
from corpus_kit.config import LangidConfig, load_config
from corpus_kit.stages.langid import detect_languages
from corpus_kit.validation import checks, validate_path, validate_splits
from corpus_kit.validation.context import LanguageLabels
from tests.validation.corpora import german_paragraphs, one_split_build, seed_paragraphs, table
from tests.validation.test_chunked import _outcome

LANGUAGE = "expect_column_values_to_be_in_languages"
ENGLISH_ONLY = {"langid.languages": ["en"]}


def _language_result(report):
    [result] = [r for r in report.results if r.expectation_type == LANGUAGE]
    return result


def _labelled(texts: list[str], label: str) -> pa.Table:
    return table(texts).append_column("lang", pa.array([label] * len(texts), pa.string()))


def test_labels_are_read_instead_of_detected() -> None:
    # English paragraphs labelled German: only a check that reads the labels can fail them.
    splits = {"train": _labelled(seed_paragraphs()[:8], "de")}
    labels = [LanguageLabels("text", "lang", LangidConfig(languages=("en",)))]
    read = _language_result(validate_splits(splits, "corpus", params=ENGLISH_ONLY, labels=labels))
    detected = _language_result(validate_splits(splits, "corpus", params=ENGLISH_ONLY))
    assert (read.success, read.unexpected_count) == (False, 8)
    assert (detected.success, detected.unexpected_count) == (True, 0)


def test_labels_of_other_settings_are_detected_again() -> None:
    splits = {"train": _labelled(seed_paragraphs()[:8], "de")}
    other = [LanguageLabels("text", "lang", LangidConfig(min_prob=0.9))]
    elsewhere = [LanguageLabels("title", "lang", LangidConfig())]
    for labels in (other, elsewhere):
        result = _language_result(validate_splits(splits, "corpus", params=ENGLISH_ONLY, labels=labels))
        assert (result.success, result.unexpected_count) == (True, 0)


def test_stage_labels_give_the_detected_result() -> None:
    texts = [*seed_paragraphs()[:10], *german_paragraphs(2), "ok", "Home"]
    cfg = LangidConfig(languages=("en",))
    splits = {"train": detect_languages(table(texts), cfg)}
    labels = [LanguageLabels("text", "lang", cfg)]
    read = validate_splits(splits, "corpus", params=ENGLISH_ONLY, labels=labels)
    detected = validate_splits(splits, "corpus", params=ENGLISH_ONLY)
    assert _language_result(detected).unexpected_count == 4
    assert _outcome(read) == _outcome(detected)


def test_build_validation_equals_a_standalone_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One German page in 31 (under the 5 % the language check allows): the build reads its own labels.
    docs = [*seed_paragraphs()[:30], *german_paragraphs(1)]
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(docs)]
    overrides = one_split_build(tmp_path, records, **{"langid.languages": ["en"]})
    with monkeypatch.context() as patched:  # the build's own labels: no detection over the rows
        patched.setattr(checks, "outside_languages", None)
        report = build(load_config(None, overrides))
    standalone = validate_path(report.release)
    in_build = [r for r in report.validation.results if r.expectation_type == LANGUAGE]
    assert sum(r.unexpected_count for r in in_build) == 1
    assert _outcome(report.validation) == _outcome(standalone)
    assert dataclasses.asdict(report.validation)["results"] == dataclasses.asdict(standalone)["results"]
