"""Validation end to end in GX: good data passes, bad data fails the right checks, a crash errors."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_kit.errors import ExitCode
from corpus_kit.validation import checks, runner, validate_path, validate_splits
from tests.validation.corpora import (
    german_paragraphs,
    leaky_release,
    near_copy,
    release_table,
    seed_paragraphs,
    table,
    write_release,
)
from tests.validation.test_chunked import _outcome

CORPUS_CHECKS = [
    "expect_column_to_exist(id)",
    "expect_column_to_exist(text)",
    "expect_column_values_to_not_be_null(id)",
    "expect_column_values_to_be_unique(id)",
    "expect_column_values_to_not_be_null(text)",
    "expect_column_values_to_be_of_type(text)",
    "expect_column_values_to_match_regex(text)",
    "expect_column_value_lengths_to_be_between(text)",
    "expect_column_values_to_have_no_boilerplate_lines(text)",
    "expect_column_values_to_not_be_exact_duplicates(text)",
    "expect_column_values_to_not_be_near_duplicates(text)",
    "expect_column_values_to_be_in_languages(text)",
]


def _failed(report) -> dict[str, tuple[str, int | None]]:
    return {f"{r.split}/{r.label}": r.unexpected_count for r in report.results if not r.success}


def test_seed_paragraphs_pass_the_corpus_suite() -> None:
    paragraphs = seed_paragraphs()
    assert len(paragraphs) == 31
    report = validate_splits({"train": table(paragraphs)}, "corpus")
    assert [r.label for r in report.results] == CORPUS_CHECKS
    assert _failed(report) == {}
    assert (report.success, report.error, report.exit_code) == (True, False, ExitCode.OK)


def test_bad_dataset_fails_exactly_the_checks_it_breaks() -> None:
    paragraphs = seed_paragraphs()
    leftovers = [
        "Skip to content",
        "Image: Reuters/R. Wilking",
        "Start your day with The Independent, sign up for daily news emails",
    ]
    texts = [
        *paragraphs[:18],  # doc-0 … doc-17: article paragraphs
        # doc-18 … doc-30: a third of the rows keep a navigation link, a photo credit or a promo line
        *(
            f"{leftovers[0]}\n\n{p}" if i % 3 == 0 else f"{p}\n\n{leftovers[i % 3]}"
            for i, p in enumerate(paragraphs[18:])
        ),
        paragraphs[3],  # doc-31: exact copy
        near_copy(paragraphs[7]),  # doc-32: near copy, a sentence appended
        *german_paragraphs(3),  # doc-33 … doc-35
        "",  # doc-36: empty
        "   ",  # doc-37: blank
    ]
    report = validate_splits({"train": table(texts)}, "corpus")
    assert _failed(report) == {
        "train/expect_column_values_to_match_regex(text)": 2,
        "train/expect_column_value_lengths_to_be_between(text)": 2,
        "train/expect_column_values_to_have_no_boilerplate_lines(text)": 13,
        "train/expect_column_values_to_not_be_exact_duplicates(text)": 2,  # doc-31, and doc-37 folds to ""
        "train/expect_column_values_to_not_be_near_duplicates(text)": 2,
        "train/expect_column_values_to_be_in_languages(text)": 3 + 2,
    }
    assert (report.success, report.error, report.exit_code) == (False, False, ExitCode.VALIDATION_FAILED)
    by_label = {r.label: r for r in report.results}
    boilerplate = by_label["expect_column_values_to_have_no_boilerplate_lines(text)"]
    assert boilerplate.unexpected_ids == [f"doc-{i}" for i in range(18, 31)]
    assert boilerplate.details["offending_lines"][:3] == [
        {"id": "doc-18", "lines": [{"line": 0, "text": leftovers[0], "reason": "nav_menu"}]},
        {"id": "doc-19", "lines": [{"line": 2, "text": leftovers[1], "reason": "template_line"}]},
        {"id": "doc-20", "lines": [{"line": 2, "text": leftovers[2], "reason": "template_line"}]},
    ]
    assert by_label["expect_column_values_to_not_be_exact_duplicates(text)"].unexpected_ids == [
        "doc-31",
        "doc-37",
    ]
    near = by_label["expect_column_values_to_not_be_near_duplicates(text)"]
    assert sorted(near.unexpected_ids) == ["doc-31", "doc-7"]  # the longer copy is kept
    languages = by_label["expect_column_values_to_be_in_languages(text)"]
    assert languages.unexpected_ids == ["doc-33", "doc-34", "doc-35", "doc-36", "doc-37"]
    assert languages.details["detected"] == [
        {"id": "doc-33", "lang": "de"},
        {"id": "doc-34", "lang": "de"},
        {"id": "doc-35", "lang": "de"},
        {"id": "doc-36", "lang": "und"},
        {"id": "doc-37", "lang": "und"},
    ]


def test_language_parameter_from_the_build() -> None:
    report = validate_splits(
        {"train": table(german_paragraphs(3))}, "corpus", params={"langid.languages": ["de"]}
    )
    [languages] = [
        r for r in report.results if r.expectation_type == "expect_column_values_to_be_in_languages"
    ]
    assert (languages.success, languages.unexpected_count, languages.kwargs["allowed_languages"]) == (
        True,
        0,
        ["de"],
    )


def test_exception_in_a_metric_is_an_error_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(hashes):
        raise RuntimeError("dedup index unreadable")

    monkeypatch.setattr(checks, "repeated", broken)
    report = validate_splits({"train": table(seed_paragraphs()[:5])}, "corpus")
    errored = [(r.label, r.exception) for r in report.results if r.exception is not None]
    assert errored == [("expect_column_values_to_not_be_exact_duplicates(text)", "dedup index unreadable")]
    assert (report.success, report.error, report.exit_code) == (False, True, ExitCode.ERROR)


def test_release_checks_every_split_and_leakage(tmp_path: Path) -> None:
    root = leaky_release(tmp_path / "rel")
    report = validate_path(root)
    assert report.suite == "release"
    assert [r.split for r in report.results] == ["test"] * 13 + ["train"] * 13 + ["*"]
    assert _failed(report) == {"*/expect_column_pair_values_to_not_leak_across_splits(__split__, text)": 2}
    [leak] = [r for r in report.results if r.split == "*"]
    assert sorted(leak.unexpected_ids) == ["te-6", "tr-2"]
    assert report.exit_code == ExitCode.VALIDATION_FAILED


def test_release_with_wrong_columns_fails_schema_check(tmp_path: Path) -> None:
    paragraphs = seed_paragraphs()
    root = write_release(
        tmp_path / "rel", {"train": release_table(paragraphs, "train", "tr").drop_columns(["lang"])}
    )
    failed = _failed(validate_path(root))
    assert list(failed) == ["train/expect_table_columns_to_match_set"]


def test_jsonl_without_ids_names_rows_by_line(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [{"text": t} for t in seed_paragraphs()[:4]] + [{"text": ""}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = validate_path(path)
    assert report.suite == "corpus"
    failed = {r.label: r.unexpected_ids for r in report.results if not r.success}
    assert failed == {
        "expect_column_to_exist(id)": [],
        "expect_column_values_to_not_be_null(id)": [],
        "expect_column_values_to_be_unique(id)": [],
        "expect_column_values_to_match_regex(text)": [5],
        "expect_column_value_lengths_to_be_between(text)": [5],
        "expect_column_values_to_be_in_languages(text)": [5],
    }


def test_parquet_folder_is_one_dataset(tmp_path: Path) -> None:
    paragraphs = seed_paragraphs()
    (tmp_path / "pq").mkdir()
    pq.write_table(table(paragraphs[:20], "a"), tmp_path / "pq" / "a.parquet")
    pq.write_table(table(paragraphs[20:], "b"), tmp_path / "pq" / "b.parquet")
    report = validate_path(tmp_path / "pq")
    assert {r.split for r in report.results} == {"data"}
    assert report.success


def test_release_is_checked_with_the_settings_it_was_built_with(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import ROOT

    release = tmp_path / "seeds" / "0.1.0"
    shutil.copytree(ROOT / "dist" / "seeds" / "0.1.0", release)
    assert validate_path(release).success
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    manifest["config"]["langid"]["languages"] = ["de"]
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = validate_path(release)
    failed = [r.expectation_type for r in report.results if not r.success]
    assert failed == ["expect_column_values_to_be_in_languages"]


def test_batches_are_not_fingerprinted_and_results_stay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from great_expectations.execution_engine import pandas_execution_engine

    hashed = []
    fingerprint = pandas_execution_engine.hash_pandas_dataframe
    monkeypatch.setattr(
        pandas_execution_engine, "hash_pandas_dataframe", lambda df: hashed.append(len(df)) or fingerprint(df)
    )
    paragraphs = seed_paragraphs()
    splits = {"train": table([*paragraphs[:12], paragraphs[3], near_copy(paragraphs[5])])}
    threshold = pandas_execution_engine.HASH_THRESHOLD
    report = validate_splits(splits, "corpus", batch_rows=5, workers=1)
    assert hashed == [] and pandas_execution_engine.HASH_THRESHOLD == threshold == 1e9
    with monkeypatch.context() as patched:  # GX as it comes: every batch fingerprinted
        patched.setattr(runner, "without_batch_fingerprints", contextlib.nullcontext)
        fingerprinted = validate_splits(splits, "corpus", batch_rows=5, workers=1)
    assert len(hashed) >= 6  # two per GX run, of the three chunks at least
    assert not report.success and _outcome(report) == _outcome(fingerprinted)
