"""Release folders: find earlier versions, and publish a staged folder without ever rewriting one."""

from __future__ import annotations

import filecmp
import os
import shutil
from pathlib import Path

from corpus_kit.errors import ReleaseError
from corpus_kit.package.manifest import release_files


def _semver(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if len(parts) == 3 and all(p.isdigit() for p in parts) else None


def previous_release(dataset_dir: Path, version: str) -> Path | None:
    """Return the highest complete release of `dataset_dir` older than `version`, if any."""
    current = _semver(version)
    older = (
        [
            (v, p)
            for p in dataset_dir.iterdir()
            if p.is_dir()
            and (v := _semver(p.name))
            and current
            and v < current
            and (p / "manifest.json").exists()
        ]
        if dataset_dir.is_dir()
        else []
    )
    return max(older)[1] if older else None


def same_content(a: Path, b: Path) -> bool:
    """Return True when folders `a` and `b` hold the same files with the same bytes."""
    files = release_files(a)
    if files != release_files(b):
        return False
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in [*files, "manifest.json"])


def commit_release(staged: Path, final: Path) -> bool:
    """Move the complete release `staged` to `final`; return False if an identical one is there.

    A release folder appears whole (one rename) or not at all. An existing version with other
    content is never touched: that is a `ReleaseError` asking for a new version.
    """
    if final.exists():
        identical = same_content(staged, final)
        shutil.rmtree(staged)
        if not identical:
            raise ReleaseError(
                f"{final} already exists with different content; releases are immutable: "
                "set a new dataset.version (or --version) to publish the changed corpus"
            )
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)
    return True
