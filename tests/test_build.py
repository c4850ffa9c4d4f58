"""End to end: seeds → release → load_dataset; byte-identical rebuilds; immutable versions."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from corpus_kit.builder import build
from corpus_kit.config import load_config
from corpus_kit.errors import ReleaseError, ValidationError
from corpus_kit.package.manifest import verify_manifest
from tests.conftest import ROOT, SEEDS, shared_data


def _project(tmp_path: Path, workers: int = 1) -> Path:
    project = tmp_path / "project"
    shutil.copytree(SEEDS, project / "seeds")
    text = (ROOT / "corpus.toml").read_text(encoding="utf-8") + f"\n[engine]\nworkers = {workers}\n"
    (project / "corpus.toml").write_text(text, encoding="utf-8")
    return project


def _files(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def seeds_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _project(tmp_path_factory.mktemp("seeds"))
    report = build(load_config(project / "corpus.toml"))
    assert report.created
    return report.release


def test_release_layout(seeds_release: Path) -> None:
    assert seeds_release.as_posix().endswith("dist/seeds/0.1.0")
    manifest = verify_manifest(seeds_release)
    assert manifest["schema_version"] == "1"
    assert sorted(manifest["files"]) == [
        "CHANGELOG.md",
        "README.md",
        "data/train-00000-of-00001.parquet",
        "dedup_index.parquet",
        "rejects.jsonl",
    ]
    card = (seeds_release / "README.md").read_text(encoding="utf-8")
    assert "configs:" in card and "dataset_info:" in card and "num_examples: 2" in card


def test_load_dataset_gives_documented_features(seeds_release: Path) -> None:
    from datasets import load_dataset

    from corpus_kit.schema import release_features

    ds = load_dataset(str(seeds_release))
    assert list(ds) == ["train"]
    train = ds["train"]
    assert train.features == release_features()
    assert sorted(train["id"]) == ["000_d2e5173d4dcb53ba", "001_66b4bbf42a475dd1"]
    rows = {r["id"]: r for r in train}
    first = rows["000_d2e5173d4dcb53ba"]
    assert first["text"].endswith("Militants had earlier vowed to avenge Kashmiri's death.")
    assert any(r["text"] == "Suggested Topics" for r in first["removed_lines"])
    second = rows["001_66b4bbf42a475dd1"]
    assert second["text"].startswith("An important ally")
    assert second["lang"] == "en" and first["lang"] == "en"
    assert all(r["split"] == "train" and r["n_chars"] == len(r["text"]) for r in train)


def test_rebuild_is_byte_identical_and_versions_are_immutable(seeds_release: Path, tmp_path: Path) -> None:
    project = seeds_release.parents[2]
    before = _files(seeds_release)
    again = build(load_config(project / "corpus.toml"))
    assert again.created is False
    assert _files(seeds_release) == before
    other = _project(tmp_path, workers=2)
    shutil.copytree(seeds_release.parents[2] / "dist", other / "dist")
    (other / "seeds" / "000_d2e5173d4dcb53ba.txt").write_text("A changed page.\n" * 40, encoding="utf-8")
    with pytest.raises(ReleaseError, match="already exists with different content"):
        build(load_config(other / "corpus.toml"))
    assert _files(other / "dist" / "seeds" / "0.1.0") == before


def test_workers_do_not_change_bytes(seeds_release: Path, tmp_path: Path) -> None:
    project = _project(tmp_path, workers=2)
    report = build(load_config(project / "corpus.toml"))
    assert _files(report.release) == _files(seeds_release)


def test_committed_release_is_reproduced(seeds_release: Path) -> None:
    committed = ROOT / "dist" / "seeds" / "0.1.0"
    assert committed.is_dir(), "the seeds release is committed under dist/"
    assert _files(committed) == _files(seeds_release)


def test_new_version_gets_changelog_diff(seeds_release: Path) -> None:
    project = seeds_release.parents[2]
    extra = project / "seeds" / "002_extra.txt"
    paragraphs = (project / "seeds" / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8").split("\n\n")
    extra.write_text("\n\n".join(p for p in paragraphs if p.startswith("Pakistan")), encoding="utf-8")
    try:
        cfg = load_config(project / "corpus.toml", {"dataset.version": "0.2.0"})
        report = build(cfg)
    finally:
        extra.unlink()
    changelog = (report.release / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 0.2.0 (since 0.1.0)" in changelog and "Added: 1 documents (`002_extra`)" in changelog
    assert "## 0.1.0 (first release)" in changelog
    rejects = [json.loads(line) for line in (report.release / "rejects.jsonl").read_text().splitlines()]
    assert all(r["reason"] for r in rejects)


def test_later_release_dedups_against_the_previous_one(tmp_path: Path) -> None:
    project = _project(tmp_path)
    build(load_config(project / "corpus.toml"))
    (project / "seeds" / "000_d2e5173d4dcb53ba.txt").rename(project / "seeds" / "zzz_copy.txt")
    report = build(load_config(project / "corpus.toml", {"dataset.version": "0.2.0"}))
    rejects = [json.loads(line) for line in (report.release / "rejects.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reason"], r["detail"]) for r in rejects] == [
        ("zzz_copy", "exact_duplicate", "duplicate of 000_d2e5173d4dcb53ba")
    ]
    changelog = (report.release / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "- Removed: 1 documents (`000_d2e5173d4dcb53ba`)" in changelog


def test_many_shards_on_two_workers_give_the_same_release(tmp_path: Path) -> None:
    # Real pages, each extracted by many tools: exact and near duplicates across shards of 25.
    docs = []
    with gzip.open(
        shared_data("data", "neardup", "scrapinghub_extractions.jsonl.gz"), "rt", encoding="utf-8"
    ) as f:
        for line in f:
            record = json.loads(line)
            if len(record["text"]) <= 3000 and len(docs) < 120:
                docs.append({"id": record["id"], "text": record["text"], "url": record["url"]})
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    files, reports = [], []
    for workers in (1, 2):
        overrides = {
            "input.paths": [str(source)],
            "engine.batch_size": 25,
            "engine.workers": workers,
            "package.output_dir": str(tmp_path / "out"),
        }
        reports.append(build(load_config(None, overrides)))
        files.append(_files(reports[-1].release))
        shutil.rmtree(tmp_path / "out")
    assert files[0] == files[1]
    one = reports[0]
    reasons = one.stats.rejects_by_reason
    assert reasons["exact_duplicate"] > 0 and reasons["near_duplicate"] > 0
    assert one.stats.documents_in == 120


def test_a_build_failing_validation_publishes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cfg = load_config(project / "corpus.toml", {"langid.languages": ["de"]})  # the seeds are English
    with pytest.raises(ValidationError, match="nothing was published"):
        build(cfg)
    assert sorted(p.name for p in (project / "dist").iterdir()) == []


def test_a_build_that_rejects_every_record_says_why_and_publishes_nothing(tmp_path: Path) -> None:
    # A real seed cut down to its first line (too few words), and a record that is not JSON.
    line = next(iter((SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8").splitlines()))
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"id": "short", "text": line}) + "\n{not json\n", encoding="utf-8")
    out = tmp_path / "out"
    cfg = load_config(None, {"input.paths": [str(source)], "package.output_dir": str(out)})
    with pytest.raises(ValidationError, match=r"all 2 records were rejected \(\w+ 1, \w+ 1\); nothing"):
        build(cfg)
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []
