"""Report renderings: JSON shape, JUnit XML that parses, the console table, Data Docs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from corpus_kit.errors import ExitCode
from corpus_kit.validation.outputs import write_data_docs, write_json, write_junit
from corpus_kit.validation.results import ExpectationResult, ValidationReport
from corpus_kit.validation.runner import validate_splits
from tests.validation.corpora import seed_paragraphs, table

ROOT = Path(__file__).resolve().parents[2]


def _result(
    split: str, label: str, success: bool, exception: str | None = None, **extra
) -> ExpectationResult:
    return ExpectationResult(
        split=split,
        expectation_type=label,
        column="text",
        success=success,
        element_count=10,
        unexpected_count=None if exception else (0 if success else 2),
        unexpected_ids=[] if success else ["a", "b"],
        details=extra,
        kwargs={"column": "text", "mostly": 1.0},
        exception=exception,
    )


def _report() -> ValidationReport:
    return ValidationReport(
        suite="corpus",
        results=[
            _result("train", "expect_a", True),
            _result("train", "expect_b", False, offending_lines=[{"id": "a", "lines": []}]),
            _result("test", "expect_a", True),
            _result("test", "expect_b", False, exception="boom <&>"),
        ],
    )


def test_exit_codes() -> None:
    report = _report()
    assert (report.success, report.error, report.exit_code) == (False, True, ExitCode.ERROR)
    report.results.pop()
    assert (report.success, report.error, report.exit_code) == (False, False, ExitCode.VALIDATION_FAILED)
    report.results.pop(1)
    assert (report.success, report.error, report.exit_code) == (True, False, ExitCode.OK)


def test_json_shape(tmp_path: Path) -> None:
    write_json(_report(), tmp_path / "out" / "report.json")
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert (data["success"], data["error"], data["suite"]) == (False, True, "corpus")
    assert data["results"][1] == {
        "split": "train",
        "expectation_type": "expect_b",
        "column": "text",
        "success": False,
        "element_count": 10,
        "unexpected_count": 2,
        "unexpected_ids": ["a", "b"],
        "details": {"offending_lines": [{"id": "a", "lines": []}]},
        "kwargs": {"column": "text", "mostly": 1.0},
        "exception": None,
    }


def test_junit_has_one_testcase_per_expectation_and_split(tmp_path: Path) -> None:
    write_junit(_report(), tmp_path / "junit.xml")
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("corpus.train", "2", "1", "0"),
        ("corpus.test", "2", "0", "1"),
    ]
    cases = root.iter("testcase")
    outcome = [(c.get("classname"), c.get("name"), [child.tag for child in c]) for c in cases]
    assert outcome == [
        ("corpus.train", "expect_a(text)", []),
        ("corpus.train", "expect_b(text)", ["failure"]),
        ("corpus.test", "expect_a(text)", []),
        ("corpus.test", "expect_b(text)", ["error"]),
    ]
    assert root.find(".//error").get("message") == "boom <&>"
    assert root.find(".//failure").get("message") == "2 of 10 rows unexpected (e.g. a, b)"


def test_table_and_summary() -> None:
    report = _report()
    assert report.format_table().splitlines() == [
        "split  expectation     result  unexpected",
        "-----  --------------  ------  ----------",
        "train  expect_a(text)  pass    0/10",
        "train  expect_b(text)  FAIL    2/10",
        "test   expect_a(text)  pass    0/10",
        "test   expect_b(text)  ERROR",
        "error in test/expect_b(text): boom <&>",
        "ERROR: 2/4 expectations passed (suite corpus)",
    ]
    assert report.summary()[1] == {
        "split": "train",
        "expectation": "expect_b(text)",
        "success": False,
        "unexpected_count": 2,
        "element_count": 10,
    }


def test_data_docs_from_a_real_run(tmp_path: Path) -> None:
    report = validate_splits({"train": table(seed_paragraphs()[:6])}, "corpus")
    index = write_data_docs(report, tmp_path / "docs")
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["index.html", "train.html"]
    assert '<a href="train.html">train</a>: passed' in index.read_text(encoding="utf-8")
    page = (tmp_path / "docs" / "train.html").read_text(encoding="utf-8")
    assert "<title>Data documentation compiled by Great Expectations</title>" in page
    assert page.count("expect_column_values_to_have_no_boilerplate_lines") == 1


def test_importing_corpus_kit_validate_does_not_import_great_expectations() -> None:
    code = "import sys, corpus_kit, corpus_kit.validation; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_validate_command_prints_table_writes_files_and_returns_exit_code(tmp_path: Path, capsys) -> None:
    import pyarrow.parquet as pq

    from corpus_kit.validation import run_validate_command

    paragraphs = seed_paragraphs()
    pq.write_table(table(paragraphs[:10]), tmp_path / "good.parquet")
    pq.write_table(table([*paragraphs[:10], paragraphs[0]]), tmp_path / "bad.parquet")
    assert run_validate_command(tmp_path / "good.parquet") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "PASSED: 12/12 expectations passed (suite corpus)"
    out = tmp_path / "out"
    code = run_validate_command(
        tmp_path / "bad.parquet", "corpus", out / "r.json", out / "j.xml", out / "docs"
    )
    assert code == 1
    assert capsys.readouterr().out.splitlines()[-1] == "FAILED: 10/12 expectations passed (suite corpus)"
    failed = [
        r["expectation_type"] for r in json.loads((out / "r.json").read_text())["results"] if not r["success"]
    ]
    assert failed == [
        "expect_column_values_to_not_be_exact_duplicates",
        "expect_column_values_to_not_be_near_duplicates",
    ]
    assert len(ET.parse(out / "j.xml").getroot().findall(".//failure")) == 2
    assert (out / "docs" / "index.html").is_file()
