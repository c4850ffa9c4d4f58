"""Benchmark of exact + near-duplicate detection: quality on two labelled sets, speed against datasketch.

Usage:
    python benchmarks/dedup.py [--corpus /tmp/c20k.jsonl] [--datasketch-docs 2000] [--clean]

- Set C (`../shared/data/neardup/`): pairwise precision / recall with the metric of
  `../shared/bench/score_neardup.py` (positives: two texts of one page, both with token precision
  and recall >= 0.8 against the page's article; negatives: texts of different pages).
- `--corpus`: a corpus from `../shared/bench/make_corpus.py` (truth in its `.truth.json` sidecar):
  pairwise precision / recall of the injected exact and near clusters, on the raw text and, with
  `--clean`, after corpus-kit's boilerplate stage (the order `build` runs them in).
- Speed on one core: signatures (`dedup_keys`) and the whole dedup (keys + clusters), in docs/s and
  MB/s of text, next to datasketch's MinHash (`update_batch`) + MinHashLSH with the same shingles,
  num_perm and threshold on the first `--datasketch-docs` documents. Rates are per CPU second of
  this process (`time.process_time`, everything runs on one core), so other load on the machine
  does not skew the comparison; wall-clock seconds are printed too.
- Memory: bytes per document of the in-memory keys and of the written dedup index.

Needs `datasketch` (benchmark only). Prints one JSON object per measurement.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import itertools
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from corpus_kit.config import DedupConfig
from corpus_kit.package.dedup_index import write_dedup_index
from corpus_kit.stages.exact_dup import fold_texts
from corpus_kit.stages.near_dup import cluster_duplicates, dedup_keys

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
BATCH = 512


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def pair_scores(
    clusters: dict[str, str | None], page: dict[str, object], good: set[str] | None
) -> tuple[int, int]:
    """Return (true positive, false positive) pairs of predicted clusters against true pages."""
    members = collections.defaultdict(list)
    for doc, cluster in clusters.items():
        if cluster is not None and doc in page:
            members[cluster].append(doc)
    tp = fp = 0
    for ids in members.values():
        for x, y in itertools.combinations(ids, 2):
            if page[x] is None or page[x] != page[y]:
                fp += 1
            elif good is None or (x in good and y in good):
                tp += 1
    return tp, fp


def run_dedup(table: pa.Table, cfg: DedupConfig) -> tuple[pa.Table, pa.Table, float, float]:
    """Return keys, clusters, and the CPU seconds of the keys and of the cluster step."""
    start = time.process_time()
    keys = pa.concat_tables(dedup_keys(table.slice(i, BATCH), cfg) for i in range(0, table.num_rows, BATCH))
    keys_seconds = time.process_time() - start
    start = time.process_time()
    clusters = cluster_duplicates(keys, cfg)
    return keys, clusters, keys_seconds, time.process_time() - start


def quality(
    name: str, clusters: pa.Table, page: dict, good: set[str] | None, positives: int, **extra
) -> None:
    got = dict(
        zip(clusters.column("id").to_pylist(), clusters.column("dup_cluster").to_pylist(), strict=True)
    )
    tp, fp = pair_scores(got, page, good)
    sizes = collections.Counter(c for c in got.values() if c is not None)
    emit(
        set=name,
        P=round(tp / (tp + fp), 4) if tp + fp else 0.0,
        R=round(tp / positives, 4) if positives else 0.0,
        tp=tp,
        fp=fp,
        positive_pairs=positives,
        clusters=len(sizes),
        largest_cluster=max(sizes.values(), default=0),
        **extra,
    )


def bench_set_c(cfg: DedupConfig) -> None:
    path = SHARED / "data" / "neardup" / "scrapinghub_extractions.jsonl.gz"
    if not path.exists():
        emit(set="neardup", skipped=f"{path} not found")
        return
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        rows = [r for r in map(json.loads, stream) if (r.get("text") or "").strip()]
    table = pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})
    good = {
        r["id"]
        for r in rows
        if (r["token_precision_vs_gt"] or 0) >= 0.8 and (r["token_recall_vs_gt"] or 0) >= 0.8
    }
    page = {r["id"]: r["cluster_id"] for r in rows}
    positives = sum(n * (n - 1) // 2 for n in collections.Counter(page[i] for i in good).values())
    _, clusters, _, _ = run_dedup(table, cfg)
    quality("neardup", clusters, page, good, positives, docs=table.num_rows)


def shingle_lists(table: pa.Table, ngram: int) -> list[list[bytes]]:
    """The same shingles corpus-kit hashes, as byte strings (datasketch hashes each with SHA-1)."""
    out = []
    for text in fold_texts(table.column("text")).to_pylist():
        words = text.split()
        n = max(len(words) - ngram + 1, 1) if words else 0
        out.append([" ".join(words[i : i + ngram]).encode() for i in range(n)])
    return out


def bench_datasketch(table: pa.Table, cfg: DedupConfig) -> dict[str, float]:
    from datasketch import MinHash, MinHashLSH

    mb = sum(len(t.encode()) for t in table.column("text").to_pylist()) / 1e6
    wall = time.perf_counter()
    start = time.process_time()
    shingles = shingle_lists(table, cfg.ngram)
    sigs = []
    for doc in shingles:
        m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
        m.update_batch(doc)
        sigs.append(m)
    sig_seconds = time.process_time() - start
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    for doc_id, m in zip(table.column("id").to_pylist(), sigs, strict=True):
        lsh.insert(doc_id, m)
    pairs = sum(len(lsh.query(m)) - 1 for m in sigs)
    total = time.process_time() - start
    n = table.num_rows
    emit(
        tool="datasketch",
        wall_seconds=round(time.perf_counter() - wall, 2),
        docs=n,
        signatures_docs_per_s=round(n / sig_seconds, 1),
        signatures_mb_per_s=round(mb / sig_seconds, 3),
        dedup_docs_per_s=round(n / total, 1),
        dedup_mb_per_s=round(mb / total, 3),
        lsh_bands_rows=list(lsh.b_r) if hasattr(lsh, "b_r") else [lsh.b, lsh.r],
        candidate_pairs=pairs // 2,
    )
    return {"signatures": n / sig_seconds, "dedup": n / total}


def bench_corpus(path: Path, cfg: DedupConfig, datasketch_docs: int, clean: bool) -> None:
    truth_path = path.with_name(path.name.removesuffix(".jsonl") + ".truth.json")
    if not path.exists() or not truth_path.exists():
        emit(set="corpus", skipped=f"{path} or {truth_path} not found; run ../shared/bench/make_corpus.py")
        return
    with path.open(encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    table = pa.table({k: [r[k] for r in rows] for k in ("id", "text", "url")})
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    page = {m: c["cluster"] for c in truth["clusters"] for m in c["members"]}
    page.update({r["id"]: None for r in rows if r["id"] not in page})
    positives = sum(len(c["members"]) * (len(c["members"]) - 1) // 2 for c in truth["clusters"])
    mb = sum(len(t.encode()) for t in table.column("text").to_pylist()) / 1e6

    wall = time.perf_counter()
    keys, clusters, keys_seconds, cluster_seconds = run_dedup(table, cfg)
    wall = time.perf_counter() - wall
    n = table.num_rows
    quality("corpus_raw", clusters, page, None, positives, docs=n, threshold=cfg.threshold)
    for threshold in (0.5, 0.65):
        quality(
            "corpus_raw",
            cluster_duplicates(keys, replace(cfg, threshold=threshold)),
            page,
            None,
            positives,
            docs=n,
            threshold=threshold,
        )
    ours = {"signatures": n / keys_seconds, "dedup": n / (keys_seconds + cluster_seconds)}
    emit(
        tool="corpus-kit",
        docs=n,
        wall_seconds=round(wall, 2),
        text_mb=round(mb, 1),
        signatures_docs_per_s=round(ours["signatures"], 1),
        signatures_mb_per_s=round(mb / keys_seconds, 3),
        cluster_seconds=round(cluster_seconds, 3),
        dedup_docs_per_s=round(ours["dedup"], 1),
        dedup_mb_per_s=round(mb / (keys_seconds + cluster_seconds), 3),
        bands=cfg.bands,
        rows=cfg.rows,
        num_perm=cfg.num_perm,
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_dedup_index(keys, Path(tmp) / "dedup_index.parquet")
        index_bytes = os.path.getsize(Path(tmp) / "dedup_index.parquet")
    emit(
        memory="keys",
        bytes_per_doc_in_memory=round(keys.nbytes / n, 1),
        bytes_per_doc_index_file=round(index_bytes / n, 1),
    )

    sample = table.slice(0, datasketch_docs)
    _, _, sample_keys_seconds, sample_cluster_seconds = run_dedup(sample, cfg)
    sample_ours = {
        "signatures": sample.num_rows / sample_keys_seconds,
        "dedup": sample.num_rows / (sample_keys_seconds + sample_cluster_seconds),
    }
    theirs = bench_datasketch(sample, cfg)
    emit(
        speedup_vs_datasketch_same_docs={k: round(sample_ours[k] / theirs[k], 1) for k in theirs},
        corpus_kit_on_same_docs={k: round(v, 1) for k, v in sample_ours.items()},
    )
    if clean:
        from corpus_kit.config import BoilerplateConfig
        from corpus_kit.stages.boilerplate import clean_table

        start = time.perf_counter()
        cleaned = clean_table(table, BoilerplateConfig())
        clean_seconds = time.perf_counter() - start
        _, clusters, _, _ = run_dedup(cleaned, cfg)
        quality(
            "corpus_cleaned", clusters, page, None, positives, docs=n, clean_seconds=round(clean_seconds, 1)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "c20k.jsonl")
    parser.add_argument("--datasketch-docs", type=int, default=2000)
    parser.add_argument("--clean", action="store_true", help="also score after the boilerplate stage (slow)")
    args = parser.parse_args()
    cfg = DedupConfig()
    emit(config={k: getattr(cfg, k) for k in cfg.__dataclass_fields__})
    bench_set_c(cfg)
    bench_corpus(args.corpus, cfg, args.datasketch_docs, args.clean)


if __name__ == "__main__":
    main()
