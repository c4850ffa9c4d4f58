"""Names of release folders and shard files."""

from __future__ import annotations

import re
from pathlib import Path

from corpus_kit.errors import ConfigError

_SPLIT = re.compile(r"^\w+(\.\w+)*$")
_SHARD = re.compile(r"^(?P<split>\w+(?:\.\w+)*)-(?P<index>\d{5})-of-(?P<total>\d{5})\.parquet$")


def release_dir(output_dir: Path, name: str, version: str) -> Path:
    """Return `output_dir/<name>/<version>`."""
    return output_dir / name / version


def shard_name(split: str, index: int, total: int) -> str:
    """Return `data/<split>-NNNNN-of-NNNNN.parquet` for shard `index` (0-based) of `total`."""
    if not _SPLIT.match(split):
        raise ConfigError(f"split name should match {_SPLIT.pattern} but got {split!r}")
    return f"data/{split}-{index:05d}-of-{total:05d}.parquet"


def split_of_shard(path: str | Path) -> str | None:
    """Return the split a shard file name belongs to, or None if it is not a shard name."""
    match = _SHARD.match(Path(path).name)
    return match["split"] if match else None
