"""Reliability: a killed build leaves no damage; names from input never become paths."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_kit.cli import main
from corpus_kit.package.manifest import verify_manifest
from tests.conftest import SEEDS, shared_data


def _corpus(path: Path, n: int) -> None:
    """Write `n` real articles: the human-annotated main texts of the shared boilerplate pages."""
    rows = []
    for name in ("cleaneval.jsonl.gz", "scrapinghub_aeb.jsonl.gz", "l3s_gn1.jsonl.gz"):
        with gzip.open(shared_data("data", "boilerplate", name), "rt", encoding="utf-8") as stream:
            rows += [r for r in map(json.loads, stream) if r.get("gt_text") and len(r["gt_text"]) > 500]
    with path.open("w", encoding="utf-8") as out:
        for row in rows[:n]:
            out.write(json.dumps({"id": row["id"], "text": row["gt_text"], "url": row["url"]}) + "\n")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_killed_build_leaves_earlier_release_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, "seeds")
    args = ["-q", "build", "--input", "seeds", "--output", "out", "--name", "c", "--workers", "1"]
    assert main([*args, "--version", "1.0.0"]) == 0
    before = _snapshot(tmp_path / "out" / "c" / "1.0.0")
    _corpus(tmp_path / "big.jsonl", 600)
    big = ["-q", "build", "--input", "big.jsonl", "--output", "out", "--name", "c", "--workers", "1"]
    command = [sys.executable, "-m", "corpus_kit.cli", *big, "--version", "1.1.0"]
    for delay in (0.5, 2.0, 4.0):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _snapshot(tmp_path / "out" / "c" / "1.0.0") == before
        new = tmp_path / "out" / "c" / "1.1.0"
        if new.exists():  # it finished before the kill: then it must be complete
            verify_manifest(new)
            shutil.rmtree(new)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    verify_manifest(tmp_path / "out" / "c" / "1.1.0")
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith((".work", ".staged"))]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--name", "../evil", "dataset.name '../evil' must match"),
        ("--version", "../1.0.0", "is not a semantic version"),
    ],
)
def test_names_cannot_escape_the_output_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, "seeds")
    assert main(["-q", "build", "--input", "seeds", "--output", "out", flag, value]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "evil").exists() and not (tmp_path / "out").exists()


def test_ids_from_input_are_never_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8")
    Path("in.jsonl").write_text(json.dumps({"id": "../../../escaped", "text": text}) + "\n", encoding="utf-8")
    assert (
        main(["-q", "build", "--input", "in.jsonl", "--output", "out", "--name", "n", "--workers", "1"]) == 0
    )
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert not any("escaped" in f for f in files)
    assert all(f.startswith(("out/", "in.jsonl")) for f in files)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    Path("locked.txt").write_text("secret", encoding="utf-8")
    Path("locked.txt").chmod(0)
    assert main(["-q", "ingest", "locked.txt", "--output", "o.parquet"]) == 2
    assert "locked.txt: cannot read" in capsys.readouterr().err
