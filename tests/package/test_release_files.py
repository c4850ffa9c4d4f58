"""Release files: manifests catch damage, versions are immutable, splits keep clusters together."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from corpus_kit.config import SplitConfig
from corpus_kit.errors import ReleaseError
from corpus_kit.package.manifest import verify_manifest, write_manifest
from corpus_kit.package.naming import shard_name, split_of_shard
from corpus_kit.package.release import commit_release, previous_release
from corpus_kit.stages.splits import assign_splits


def _release(folder: Path, content: str) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train-00000-of-00001.parquet").write_text(content, encoding="utf-8")
    (folder / "README.md").write_text("card", encoding="utf-8")
    write_manifest(folder, {"name": "x", "version": folder.name})
    return folder


def test_manifest_lists_every_file_and_catches_damage(tmp_path: Path) -> None:
    release = _release(tmp_path / "1.0.0", "rows")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["README.md", "data/train-00000-of-00001.parquet"]
    assert manifest["files"]["README.md"]["bytes"] == 4
    assert verify_manifest(release)["version"] == "1.0.0"
    (release / "README.md").write_text("edited", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"README.md: sha256 or size differs"):
        verify_manifest(release)
    (release / "extra.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"extra\.txt: not listed"):
        verify_manifest(release)


def test_versions_are_immutable(tmp_path: Path) -> None:
    final = _release(tmp_path / "dist" / "1.0.0", "rows")
    same = _release(tmp_path / "staged-a" / "1.0.0", "rows")
    assert commit_release(same, final) is False
    assert not same.exists()
    other = _release(tmp_path / "staged-b" / "1.0.0", "other rows")
    with pytest.raises(ReleaseError, match="already exists with different content"):
        commit_release(other, final)
    assert (final / "data" / "train-00000-of-00001.parquet").read_text(encoding="utf-8") == "rows"
    new = _release(tmp_path / "staged-c" / "1.1.0", "more rows")
    assert commit_release(new, tmp_path / "dist" / "1.1.0") is True
    assert previous_release(tmp_path / "dist", "1.1.0") == final
    assert previous_release(tmp_path / "dist", "1.0.0") is None
    assert previous_release(tmp_path / "dist", "2.0.0") == tmp_path / "dist" / "1.1.0"


def test_shard_names() -> None:
    assert shard_name("train", 3, 12) == "data/train-00003-of-00012.parquet"
    assert split_of_shard("data/test-00000-of-00001.parquet") == "test"
    assert split_of_shard("data/.train.part00000.parquet") is None


def test_splits_follow_ratios_and_keep_clusters_together() -> None:
    n = 4000
    ids = [f"doc-{i}" for i in range(n)]
    clusters = [f"c{i // 4}" if i < 400 else None for i in range(n)]
    table = pa.table({"id": ids, "dup_cluster": clusters, "url": [None] * n})
    cfg = SplitConfig(ratios={"train": 0.8, "validation": 0.1, "test": 0.1})
    out = assign_splits(table, cfg).to_pylist()
    counts = {s: sum(r["split"] == s for r in out) for s in cfg.ratios}
    assert 0.76 * n < counts["train"] < 0.84 * n
    assert 0.07 * n < counts["test"] < 0.13 * n
    by_cluster: dict[str, set[str]] = {}
    for row in out[:400]:
        by_cluster.setdefault(row["dup_cluster"], set()).add(row["split"])
    assert all(len(s) == 1 for s in by_cluster.values())
    assert assign_splits(table.slice(100, 50), cfg).column("split").to_pylist() == [
        r["split"] for r in out[100:150]
    ]


def test_splits_by_site() -> None:
    urls = [f"https://www.site{i % 7}.example/page/{i}" for i in range(300)]
    table = pa.table({"id": [str(i) for i in range(300)], "dup_cluster": [None] * 300, "url": urls})
    cfg = SplitConfig(ratios={"train": 0.5, "test": 0.5}, by_site=True)
    out = assign_splits(table, cfg).to_pylist()
    sites: dict[str, set[str]] = {}
    for row, url in zip(out, urls, strict=True):
        sites.setdefault(url.split("/")[2], set()).add(row["split"])
    assert all(len(s) == 1 for s in sites.values())
