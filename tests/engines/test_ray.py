"""The Ray Data engine writes the same cleaned and keys shards, byte for byte, as the local engine."""

from __future__ import annotations

import gzip
import importlib
import json
import logging
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from corpus_kit.config import BuildConfig, DedupConfig, load_config
from corpus_kit.engines.local import WorkerPool
from corpus_kit.errors import ConfigError
from corpus_kit.stages.clusters import connected_components
from corpus_kit.stages.near_dup import (
    DedupIndex,
    band_hashes,
    candidate_pairs,
    cluster_duplicates,
    dedup_keys,
)
from tests.conftest import SEEDS, SHARED

build_module = importlib.import_module("corpus_kit.builder")

NEARDUP = SHARED / "data" / "neardup" / "scrapinghub_extractions.jsonl.gz"
WARC = SHARED / "data" / "warc"  # web pages: the HTML path, its main-text shares and HTML model
N_DOCS = 120
BATCH_SIZE = 35  # 4 ingested shards, the last one short


def _neardup_docs() -> list[dict]:
    """The first short texts of the shared near-duplicate set: real pages, each extracted by many tools.

    Texts of one page share a URL (so one site) and differ in boilerplate and truncation, which
    gives the template-line, quality, language and dedup stages real work.
    """
    docs = []
    with gzip.open(NEARDUP, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            if len(record["text"]) <= 3000:
                docs.append({"id": record["id"], "text": record["text"], "url": record["url"]})
            if len(docs) == N_DOCS:
                break
    return docs


def _seed_docs() -> list[dict]:
    """Pages made of the seed pages' paragraphs, on five sites (used when ../shared is absent)."""
    paragraphs = [p for seed in sorted(SEEDS.glob("*.txt")) for p in seed.read_text("utf-8").split("\n\n")]
    rng = random.Random(0)
    docs = []
    for i in range(N_DOCS):
        body = rng.sample(paragraphs, rng.randint(3, 8))
        docs.append(
            {"id": f"doc-{i:04d}", "text": "\n\n".join(body), "url": f"https://site{i % 5}.example/{i}.html"}
        )
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildConfig, list[Path], Path]:
    """Ingest the test corpus into shards; return the config, the shards and the work folder."""
    folder = tmp_path_factory.mktemp("ray_corpus")
    docs = _neardup_docs() if NEARDUP.exists() else _seed_docs()
    source = folder / "docs.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    cfg = load_config(
        None, {"input.paths": [str(source)], "engine.batch_size": BATCH_SIZE, "engine.workers": 1}
    )
    work = folder / "work"
    shards, _ = build_module._ingest(cfg, work, build_module.StageSummary("ingest"))
    return cfg, shards, work


def test_missing_ray_raises_config_error_with_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from corpus_kit.engines.ray import run_document_phase

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"pip install 'corpus-kit\[ray\]'"):
        run_document_phase([tmp_path / "00000.parquet"], None, BuildConfig(), tmp_path)


def test_ray_outputs_are_byte_identical_to_local(corpus: tuple[BuildConfig, list[Path], Path]) -> None:
    pytest.importorskip("ray")
    import ray

    from corpus_kit.engines.ray import run_document_phase, session, sum_template_counts
    from corpus_kit.engines.shards import count_templates

    cfg, shards, work = corpus
    assert [p.name for p in shards] == ["00000.parquet", "00001.parquet", "00002.parquet", "00003.parquet"]
    with WorkerPool(1) as pool:
        local_cleaned, local_keys, _ = build_module._document_phase(shards, cfg, work / "local", pool)
    # Two Ray workers against the local engine's one: the output must not depend on either.
    ray_cfg = replace(cfg, engine=replace(cfg.engine, workers=2))
    with session(ray_cfg):
        templates = sum_template_counts([count_templates(p, cfg) for p in shards], ray_cfg)
        cleaned, keys, seconds = run_document_phase(shards, templates, ray_cfg, work / "ray")
    assert not ray.is_initialized()

    assert cleaned == [work / "ray" / "cleaned" / p.name for p in shards]
    assert keys == [work / "ray" / "keys" / p.name for p in shards]
    assert sorted(seconds) == ["clean", "dedup_keys", "langid", "leftover", "quality"]
    for ours, theirs in zip(cleaned + keys, local_cleaned + local_keys, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), f"{ours} differs from the local engine's {theirs}"

    # The corpus exercised every stage: template lines found, documents rejected, keys only for kept rows.
    tables = [pq.read_table(p) for p in cleaned]
    assert [t.num_rows for t in tables] == [35, 35, 35, 15]
    reasons = [
        r for t in tables for r in pc.struct_field(pc.list_flatten(t.column("removed_lines")), "reason")
    ]
    assert any(r.as_py() == "template_line" for r in reasons)
    kept = [t.column("reject_reason").null_count for t in tables]  # rows no stage rejected
    assert 0 < sum(kept) < N_DOCS
    assert [pq.read_metadata(p).num_rows for p in keys] == kept


def _files(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()
    }


def test_ray_release_is_byte_identical_to_local(tmp_path: Path) -> None:
    """The whole build, duplicate clusters and web pages included (on Ray: band grouping, components)."""
    pytest.importorskip("ray")
    build = build_module.build
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    first = min(seeds.glob("*.txt"))
    shutil.copy(first, seeds / f"copy_{first.name}")  # an exact duplicate, whichever inputs there are
    paths = [str(seeds)]
    if NEARDUP.exists():
        neardup = tmp_path / "neardup.jsonl"
        neardup.write_text("".join(json.dumps(d) + "\n" for d in _neardup_docs()), encoding="utf-8")
        paths.append(str(neardup))
    if WARC.exists():
        paths.append(str(WARC))
    overrides = {
        "input.paths": paths,
        "package.output_dir": str(tmp_path / "dist"),
        "engine.batch_size": BATCH_SIZE,
        "engine.workers": 1,
    }
    local = build(load_config(None, overrides), engine="local")
    before = _files(local.release)
    rejects = local.stats.rejects_by_reason
    assert rejects.get("exact_duplicate", 0) > 0
    if NEARDUP.exists():
        assert rejects.get("near_duplicate", 0) > 10
    if WARC.exists():
        assert rejects.get("skipped_record_type", 0) > 0
    # Same config, same output folder: build() refuses to replace a release with different bytes.
    again = build(load_config(None, overrides), engine="ray")
    assert again.release == local.release and again.created is False
    assert _files(again.release) == before


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    """A local Ray instance with 2 CPUs for the dedup tests, with the engine's Ray Data options."""
    pytest.importorskip("ray")
    from corpus_kit.engines.ray import session

    cfg = BuildConfig()
    with session(replace(cfg, engine=replace(cfg.engine, workers=2))) as ray:
        yield ray


def _graph(rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray]:
    """Disjoint test graphs on one node range: random sparse edges, a long chain with shuffled node
    numbers (many rounds), a star around its largest node, duplicate edges, self-loops, lone nodes."""
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    offset = 0

    def add(n: int, a: np.ndarray, b: np.ndarray) -> None:
        nonlocal offset
        parts.append((a + offset, b + offset))
        offset += n

    add(400, rng.integers(0, 400, 300), rng.integers(0, 400, 300))
    chain = rng.permutation(200)
    add(200, chain[:-1], chain[1:])
    add(30, np.full(29, 29), np.arange(29))
    add(10, np.array([1, 2, 1, 2, 5]), np.array([2, 1, 2, 1, 5]))
    add(5, np.empty(0, np.int64), np.empty(0, np.int64))
    order = rng.permutation(offset)  # spread the graphs over the node range
    a = order[np.concatenate([p[0] for p in parts])]
    b = order[np.concatenate([p[1] for p in parts])]
    return offset, a, b


def test_ray_connected_components_equal_union_find(
    ray_session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from corpus_kit.engines import ray_dedup

    n, a, b = _graph(np.random.default_rng(0))
    with caplog.at_level(logging.INFO, logger="corpus_kit.engines.ray_dedup"):
        labels = ray_dedup.connected_components(ray_session, n, ray_dedup.edge_dataset(ray_session, a, b))
    assert labels.tolist() == connected_components(n, a, b).tolist()
    rounds = [r.args[0] for r in caplog.records if "rounds" in r.getMessage()]
    assert rounds and rounds[0] >= 4  # the chain needs several rounds

    none = np.empty(0, np.int64)
    assert ray_dedup.connected_components(
        ray_session, 3, ray_dedup.edge_dataset(ray_session, none, none)
    ).tolist() == [
        0,
        1,
        2,
    ]


def test_ray_candidate_pairs_equal_local(ray_session: Any) -> None:
    from corpus_kit.engines import ray_dedup

    cfg = DedupConfig(num_perm=8, bands=4, rows=2, max_bucket=3)
    rng = np.random.default_rng(1)
    sig = rng.integers(0, 3, (300, cfg.num_perm)).astype(np.uint32)  # few values: many and big buckets
    sig[::2] = rng.integers(0, 2**32, (150, cfg.num_perm)).astype(np.uint32)  # half the rows in no bucket
    rows = np.flatnonzero(rng.random(300) < 0.8)  # the LSH rows: a subset, as after exact grouping
    bands = band_hashes(sig[rows], cfg)
    assert max(np.unique(band, return_counts=True)[1].max() for band in bands.T) > cfg.max_bucket + 1
    a, b = candidate_pairs(bands, cfg.max_bucket)

    pairs = ray_dedup.candidate_pairs(ray_session, ray_session.put(sig), rows, cfg, partitions=3)
    got = pa.concat_tables(pairs.iter_batches(batch_size=None, batch_format="pyarrow"))
    u, v = got.column("u").to_numpy(), got.column("v").to_numpy()
    assert (u > v).all()
    assert set(zip(v.tolist(), u.tolist(), strict=True)) == set(
        zip(rows[a].tolist(), rows[b].tolist(), strict=True)
    )
    assert len(a) > 100


def test_ray_cluster_duplicates_equal_local_with_previous_release(ray_session: Any) -> None:
    from corpus_kit.engines import ray_dedup

    docs = _neardup_docs() if NEARDUP.exists() else _seed_docs()
    # The new release: 10 documents of the earlier one again, the rest new, and copies of earlier ones.
    new = docs[40:] + [{**d, "id": f"copy-{d['id']}"} for d in docs[:40:8]]
    cfg = DedupConfig()
    previous = DedupIndex(dedup_keys(pa.Table.from_pylist(docs[:50]), cfg))
    keys = dedup_keys(pa.Table.from_pylist(new), cfg)
    expected = cluster_duplicates(keys, cfg, previous)
    copies = expected.filter(pc.starts_with(expected.column("id"), "copy-"))
    assert copies.column("is_duplicate").to_pylist() == [True] * 5
    assert cluster_duplicates(keys, cfg, previous, ray_dedup.duplicate_components).equals(expected)


def test_warm_up_builds_a_workers_models() -> None:
    # Run where Ray would run it, fire and forget: it must work on its own, from empty caches.
    from corpus_kit.engines import ray as ray_engine
    from corpus_kit.stages import boilerplate, langid

    boilerplate._model.cache_clear()
    langid._model.cache_clear()
    ray_engine._warm_up(BuildConfig())
    assert boilerplate._model.cache_info().currsize >= 1
    assert langid._model.cache_info().currsize == 1


def test_data_context_lifts_reservations_for_the_run_only() -> None:
    # With per-operator reservations, Ray Data ran the document tasks about 1.4 at a time on 2 CPUs.
    ray = pytest.importorskip("ray")
    from corpus_kit.engines import ray as ray_engine

    ctx = ray.data.DataContext.get_current()
    before = (ctx.op_resource_reservation_enabled, ctx.shuffle_strategy, ctx.enable_progress_bars)
    with ray_engine._data_context(ray):
        assert ctx.op_resource_reservation_enabled is False
        assert ctx.shuffle_strategy == ray.data.context.ShuffleStrategy.HASH_SHUFFLE
        assert ctx.enable_progress_bars is False
    assert (ctx.op_resource_reservation_enabled, ctx.shuffle_strategy, ctx.enable_progress_bars) == before
