"""`manifest.json`: the sha256 and size of every file of a release, and what built it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from corpus_kit.errors import ReleaseError
from corpus_kit.package.atomic import write_text_atomic

MANIFEST = "manifest.json"


def file_digest(path: Path) -> dict[str, Any]:
    """Return {"sha256": hex digest, "bytes": size} of the file at `path`."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def release_files(release: Path) -> list[str]:
    """Return the POSIX paths of every file of `release` except the manifest, sorted."""
    return sorted(
        p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file() and p.name != MANIFEST
    )


def write_manifest(release: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """Write `manifest.json` with `fields` and the digest of every file; return its content."""
    manifest = {**fields, "files": {name: file_digest(release / name) for name in release_files(release)}}
    write_text_atomic(release / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def read_manifest(release: Path) -> dict[str, Any]:
    """Return the parsed manifest of `release`, or raise `ReleaseError`."""
    path = release / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ReleaseError(f"{release}: not a release (no {MANIFEST})") from err
    except (OSError, ValueError) as err:
        raise ReleaseError(f"{path}: unreadable manifest: {err}") from err
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ReleaseError(f"{path}: manifest has no 'files' table")
    return manifest


def verify_manifest(release: Path) -> dict[str, Any]:
    """Check every file of `release` against its manifest; return the manifest or raise `ReleaseError`."""
    release = Path(release)
    manifest = read_manifest(release)
    listed = manifest["files"]
    present = set(release_files(release))
    for name in sorted(set(listed) - present):
        raise ReleaseError(f"{release / name}: listed in {MANIFEST} but missing")
    for name in sorted(present - set(listed)):
        raise ReleaseError(f"{release / name}: not listed in {MANIFEST}")
    for name in sorted(listed):
        if file_digest(release / name) != listed[name]:
            raise ReleaseError(
                f"{release / name}: sha256 or size differs from {MANIFEST}; the release is damaged"
            )
    return manifest
