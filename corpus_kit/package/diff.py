"""Compare two releases: documents added, removed and changed (by id), and reason counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from corpus_kit.package.manifest import read_manifest
from corpus_kit.package.naming import split_of_shard

_BATCH_ROWS = 10_000  # rows read at a time: memory holds digests, not texts


@dataclass(frozen=True)
class ReleaseDiff:
    old_version: str | None
    new_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    line_reasons: dict[str, tuple[int, int]] = field(default_factory=dict)  # reason: (old, new)


def _read(release: Path, texts: bool = True) -> tuple[dict[str, str], Counter]:
    """Return a digest of each document's text and split by id, and the removed-line reason counts.

    Without `texts`, the digests are empty strings (the ids are all a first release needs).
    """
    digests: dict[str, str] = {}
    reasons: Counter = Counter()
    for shard in sorted((release / "data").glob("*.parquet")):
        if split_of_shard(shard) is None:
            continue
        columns = ["id", "text", "split", "removed_lines"] if texts else ["id", "removed_lines"]
        for batch in pq.ParquetFile(shard).iter_batches(batch_size=_BATCH_ROWS, columns=columns):
            if not texts:
                digests.update(dict.fromkeys(batch.column("id").to_pylist(), ""))
            else:
                ids, values, splits = (batch.column(name).to_pylist() for name in ("id", "text", "split"))
                for doc_id, text, split in zip(ids, values, splits, strict=True):
                    digests[doc_id] = xxhash.xxh3_128_hexdigest(f"{split}\x00{text}".encode())
            flat = pc.list_flatten(batch.column("removed_lines"))
            reasons.update(pc.struct_field(flat, "reason").to_pylist())
    return digests, reasons


def diff_releases(old: Path | None, new: Path, new_version: str | None = None) -> ReleaseDiff:
    """Return what changed from release `old` (None: nothing before) to release `new`.

    `new_version` names the new release when it is still a staged folder without a manifest.
    """
    old_docs, old_reasons = _read(old) if old else ({}, Counter())
    new_docs, new_reasons = _read(new, texts=old is not None)
    return ReleaseDiff(
        old_version=read_manifest(old)["version"] if old else None,
        new_version=new_version or read_manifest(new)["version"],
        added=tuple(sorted(new_docs.keys() - old_docs.keys())),
        removed=tuple(sorted(old_docs.keys() - new_docs.keys())),
        changed=tuple(sorted(i for i in new_docs.keys() & old_docs.keys() if new_docs[i] != old_docs[i])),
        line_reasons={
            r: (old_reasons[r], new_reasons[r]) for r in sorted(old_reasons.keys() | new_reasons.keys())
        },
    )


def _ids(ids: tuple[str, ...], limit: int = 20) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def format_diff(diff: ReleaseDiff) -> str:
    """Return the diff as a Markdown changelog entry."""
    since = f"since {diff.old_version}" if diff.old_version else "first release"
    lines = [f"## {diff.new_version} ({since})", ""]
    for label, ids in (("Added", diff.added), ("Removed", diff.removed), ("Changed", diff.changed)):
        lines.append(f"- {label}: {len(ids):,} documents" + (f" ({_ids(ids)})" if ids else ""))
    moved = {r: c for r, c in diff.line_reasons.items() if c[0] != c[1]}
    if moved:
        lines += ["", "| removed-line reason | before | after |", "|---|---:|---:|"]
        lines += [f"| `{r}` | {a:,} | {b:,} |" for r, (a, b) in moved.items()]
    return "\n".join(lines) + "\n"
