"""Hashes and versions that identify what a release was built from (written to its manifest)."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata

from corpus_kit.config import BuildConfig
from corpus_kit.loaders import find_inputs

_LIBRARIES = ("corpus-kit", "pyarrow", "datasets", "langdetect", "numpy", "xxhash", "great-expectations")


def config_hash(cfg: BuildConfig) -> str:
    """Return the sha256 of the config as canonical JSON."""
    return hashlib.sha256(json.dumps(cfg.to_dict(), sort_keys=True).encode()).hexdigest()


def input_hash(cfg: BuildConfig) -> str:
    """Return the sha256 over every input file's source name and bytes, in reading order."""
    from pathlib import Path

    digest = hashlib.sha256()
    for path, source, _ in find_inputs(cfg.input.paths, Path(cfg.root)):
        digest.update(source.encode() + b"\0")
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Return the installed versions of the libraries that shape a release's bytes."""
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
