"""The command line: help, exit codes, single-stage commands, build without a config."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_kit.cli import _parser, main
from tests.conftest import SEEDS
from tests.loaders.test_html import MAIN_TEXT, PAGE


@pytest.fixture
def seeds_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "seeds"


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("build", "ingest", "clean", "langid", "dedup", "validate", "diff", "publish"):
        assert command in out


def test_unknown_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-flag"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-q", "build"], (True, False, None)),
        (["build", "--quiet"], (True, False, None)),
        (["-v", "build", "-q", "-c", "other.toml"], (True, True, Path("other.toml"))),
        (["-q", "-c", "mine.toml", "build"], (True, False, Path("mine.toml"))),
        (["-c", "mine.toml", "build", "-c", "other.toml"], (False, False, Path("other.toml"))),
    ],
)
def test_global_options_go_before_or_after_the_command(argv: list[str], expected: tuple) -> None:
    args = _parser().parse_args(argv)
    assert (args.quiet, args.verbose, args.config) == expected


def test_config_given_after_the_command_is_read(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "seeds", "--output", "out.parquet", "--quiet", "-c", "missing.toml"]) == 2
    assert "ConfigError: config file missing.toml not found" in capsys.readouterr().err


def test_ingest_writes_documents_and_rejects(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seeds_dir / "broken.txt").write_bytes(b"\xff\xfe bad bytes")
    assert main(["-q", "ingest", "seeds", "--output", "out.parquet"]) == 0
    table = pq.read_table("out.parquet")
    assert table.column("id").to_pylist() == ["000_d2e5173d4dcb53ba", "001_66b4bbf42a475dd1"]
    lines = Path("out.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["reason"] for x in lines] == ["decode_error"]
    assert json.loads(lines[0])["source"] == "seeds/broken.txt"
    assert "2 documents; 1 rejected" in capsys.readouterr().out


def test_missing_input_exits_2_with_one_line(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "ingest", "no/such/folder", "--output", "out.parquet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "corpus-kit: InputError: no/such/folder: no such file or folder"
    assert not Path("out.parquet").exists()


def test_nothing_readable_exits_2(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = seeds_dir.parent / "empty"
    empty.mkdir()
    (empty / "a.txt").write_bytes(b"")
    assert main(["-q", "build", "--input", "empty", "--output", "out", "--name", "e"]) == 2
    assert "no documents could be read" in capsys.readouterr().err


def test_bad_config_key_suggests(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("corpus.toml").write_text('[dataset]\nnmae = "x"\n', encoding="utf-8")
    assert main(["-q", "build", "--input", "seeds"]) == 2
    assert "unknown config key 'dataset.nmae'; did you mean 'name'?" in capsys.readouterr().err


def test_build_without_config_then_diff(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["-q", "build", "--input", "seeds", "--output", "releases", "--name", "mine", "--workers", "1"]
    assert main([*args, "--version", "1.0.0"]) == 0
    out = capsys.readouterr().out
    assert "releases/mine/1.0.0: written" in out and "records in = rows out + rejects: 2 = 2 + 0" in out
    assert main([*args, "--version", "1.0.0"]) == 0
    assert "unchanged" in capsys.readouterr().out
    shutil.copy(SEEDS / "000_d2e5173d4dcb53ba.txt", seeds_dir / "000_copy.txt")
    assert main([*args, "--version", "1.1.0", "--rejects", "rejects.jsonl"]) == 0
    capsys.readouterr()
    rejects = [json.loads(x) for x in Path("rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    # the copy duplicates a document of the previous release, which stays the keeper
    assert [(r["id"], r["reason"], r["detail"]) for r in rejects] == [
        ("000_copy", "exact_duplicate", "duplicate of 000_d2e5173d4dcb53ba")
    ]
    assert main(["diff", "releases/mine/1.0.0", "releases/mine/1.1.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 1.1.0 (since 1.0.0)")
    assert "- Added: 0 documents\n- Removed: 0 documents\n- Changed: 0 documents" in out


def test_single_stage_commands_keep_columns(seeds_dir: Path) -> None:
    rows = [
        {"id": p.stem, "text": p.read_text(encoding="utf-8"), "url": None, "extra": i}
        for i, p in enumerate(sorted(seeds_dir.glob("*.txt")))
    ]
    Path("in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["-q", "clean", "--input", "in.jsonl", "--output", "clean.parquet"]) == 0
    cleaned = pq.read_table("clean.parquet").to_pylist()
    assert [r["extra"] for r in cleaned] == [0, 1]
    assert cleaned[1]["text"].startswith("An important ally")
    assert main(["-q", "langid", "--input", "clean.parquet", "--output", "lang.jsonl"]) == 0
    langs = [json.loads(x) for x in Path("lang.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["lang"] for r in langs] == ["en", "en"]
    assert main(["-q", "dedup", "--input", "lang.jsonl", "--output", "dedup.parquet"]) == 0
    dedup = pq.read_table("dedup.parquet").to_pylist()
    assert [r["dup_cluster"] for r in dedup] == [None, None]
    assert (
        main(["-q", "package", "dedup.parquet", "--output", "rel", "--name", "staged", "--version", "1.0.0"])
        == 0
    )
    release = pq.read_table("rel/staged/1.0.0/data/train-00000-of-00001.parquet")
    assert release.column("id").to_pylist() == [r["id"] for r in dedup]
    assert release.column("source").to_pylist() == ["dedup.parquet", "dedup.parquet"]


def test_clean_reads_html_rows_and_names_a_row_with_neither(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"id": "page", "html": PAGE, "url": "https://www.dw.com/en/an-important-ally/a-18189410"},
        {"id": "seed", "text": (seeds_dir / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8")},
    ]
    Path("in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["-q", "clean", "--input", "in.jsonl", "--output", "out.jsonl"]) == 0
    page, seed = [json.loads(x) for x in Path("out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert page["text"] == "\n".join(MAIN_TEXT)
    assert [line["text"] for line in page["removed_lines"]][:2] == ["Skip to content", "Skip to main menu"]
    assert page["main_text_share"] == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    assert seed["main_text_share"] is None and seed["text"].startswith("An important ally")

    Path("bad.jsonl").write_text(json.dumps({"id": "x7", "url": "u", "text": None}) + "\n", encoding="utf-8")
    assert main(["-q", "clean", "--input", "bad.jsonl", "--output", "out.jsonl"]) == 2
    assert "bad.jsonl: document 'x7' has neither text nor html" in capsys.readouterr().err
    Path("none.jsonl").write_text(json.dumps({"id": "x7", "url": "u"}) + "\n", encoding="utf-8")
    assert main(["-q", "clean", "--input", "none.jsonl", "--output", "out.jsonl"]) == 2
    assert "none.jsonl: missing column 'text' (or 'html')" in capsys.readouterr().err


def test_package_needs_pipeline_columns(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("raw.jsonl").write_text(json.dumps({"id": "a", "text": "plain"}) + "\n", encoding="utf-8")
    assert main(["-q", "package", "raw.jsonl", "--output", "rel", "--name", "x"]) == 2
    assert "missing ['n_chars', 'removed_lines'" in capsys.readouterr().err


def test_validate_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from tests.conftest import ROOT

    monkeypatch.chdir(tmp_path)
    release = ROOT / "dist" / "seeds" / "0.1.0"
    assert main(["validate", str(release), "--json", "ok.json", "--junit", "ok.xml"]) == 0
    assert json.loads(Path("ok.json").read_text(encoding="utf-8"))["success"] is True
    assert "<testsuite" in Path("ok.xml").read_text(encoding="utf-8")
    raw = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    rows = [{"id": f"d{i}", "text": text} for i, text in enumerate([*raw, raw[0]])]  # page furniture, a copy
    Path("bad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["validate", "bad.jsonl", "--json", "bad.json", "--workers", "2"]) == 1
    failed = {
        r["expectation_type"] for r in json.loads(Path("bad.json").read_text())["results"] if not r["success"]
    }
    assert {
        "expect_column_values_to_have_no_boilerplate_lines",
        "expect_column_values_to_not_be_exact_duplicates",
    } <= failed
    assert main(["validate", "missing.parquet"]) == 2
    assert "missing.parquet" in capsys.readouterr().err


def test_a_closed_output_pipe_ends_quietly() -> None:
    # `corpus-kit diff A B | head -1`: the reader is gone before the command writes.
    release = str(Path(__file__).resolve().parents[1] / "dist" / "seeds" / "0.1.0")
    command = [sys.executable, "-m", "corpus_kit.cli", "diff", release, release]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait() == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
