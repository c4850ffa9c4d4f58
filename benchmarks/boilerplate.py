"""Score the boilerplate cleaner against the C4 line rules on the shared benchmark pages, and time it.

Input of every cleaner is each page's naive text ("\\n".join(naive_lines)), the whole visible page
text. The metric is the shared scorer's (`../shared/bench/score_boilerplate.py`, imported by
path): per-page token precision/recall/F1 against the human main text, macro-averaged per source,
and snippet F1 on the trafilatura pages. Speed is measured in this one process (one core).

Usage: python benchmarks/boilerplate.py [--shared ../shared] [--sources cleaneval,dragnet] [--limit N]
       [--speed [--repeat N]]

`--speed` skips scoring and only times `remove_boilerplate` on the pages in this one process (one
core): pages/s and MB/s of normalized input text, best of `--repeat` runs (default 3), after one
warm-up page so the one-time model and character-table loading is not counted.

Rows: `c4` (C4 line rules), `corpus-kit` (`remove_boilerplate`: rules and classifier) and
`corpus-kit+templates` (`clean_table`: template lines of each site counted over all the pages
first). Training sources (scrapinghub, cleaneval, cleanportaleval, trafilatura) are scored with
the shipped model, which has seen them: use `scripts/train_boilerplate.py --cv` for honest
cross-validated numbers there; l3s_gn1 and dragnet are never trained on.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_kit.config import BoilerplateConfig  # noqa: E402
from corpus_kit.stages.boilerplate import clean_table, remove_boilerplate  # noqa: E402
from corpus_kit.stages.normalize import normalize_text  # noqa: E402


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location(
        "score_boilerplate", shared / "bench" / "score_boilerplate.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(shared: Path, sources: set[str], limit: int) -> list[dict]:
    pages = []
    for path in sorted((shared / "data" / "boilerplate").glob("*.jsonl.gz")):
        if sources and path.name.removesuffix(".jsonl.gz") not in sources:
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if limit and n >= limit:
                    break
                page = json.loads(line)
                page.pop("html", None)
                pages.append(page)
    return pages


def measure_speed(pages: list[dict], repeat: int) -> None:
    """Print the CPU-time speed of `remove_boilerplate` on `pages` (best of `repeat` runs)."""
    cfg = BoilerplateConfig()
    texts = [normalize_text("\n".join(p["naive_lines"])) for p in pages]
    table = pa.table({"id": [p["id"] for p in pages], "text": texts, "url": [p.get("url") for p in pages]})
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    remove_boilerplate(table.slice(0, 1), cfg)  # warm-up: load the model and character tables
    best = float("inf")
    for _ in range(max(repeat, 1)):
        start = time.process_time()
        remove_boilerplate(table, cfg)
        best = min(best, time.process_time() - start)
    print(f"remove_boilerplate, one process: {len(pages)} pages, {megabytes:.1f} MB, best of {repeat}")
    print(f"  CPU time: {best:.2f} s = {len(pages) / best:.1f} pages/s, {megabytes / best:.2f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument("--sources", default="", help="comma list of file stems, e.g. cleaneval,dragnet")
    parser.add_argument("--limit", type=int, default=0, help="pages per source (0: all)")
    parser.add_argument("--speed", action="store_true", help="only time remove_boilerplate (no scores)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs in --speed mode (best is shown)")
    args = parser.parse_args()
    if not (args.shared / "data" / "boilerplate").is_dir():
        raise SystemExit(f"no benchmark data under {args.shared}/data/boilerplate; pass --shared")
    pages = load_pages(args.shared, set(filter(None, args.sources.split(","))), args.limit)
    if args.speed:
        measure_speed(pages, args.repeat)
        return
    scorer = load_scorer(args.shared)
    cfg = BoilerplateConfig()
    texts = [normalize_text("\n".join(p["naive_lines"])) for p in pages]
    table = pa.table({"id": [p["id"] for p in pages], "text": texts, "url": [p.get("url") for p in pages]})
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    start, start_cpu = time.perf_counter(), time.process_time()
    ours = remove_boilerplate(table, cfg).column("text").to_pylist()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    with_templates = clean_table(table, cfg).column("text").to_pylist()
    results = {
        "c4": scorer.score(pages, {p["id"]: scorer.c4_clean(t) for p, t in zip(pages, texts, strict=True)}),
        "corpus-kit": scorer.score(pages, {p["id"]: t for p, t in zip(pages, ours, strict=True)}),
        "corpus-kit+templates": scorer.score(
            pages, {p["id"]: t for p, t in zip(pages, with_templates, strict=True)}
        ),
    }
    sources = sorted(k for k in results["c4"] if not k.startswith("_"))
    print(f"{'cleaner':22s}" + "".join(f"{s[:15]:>16s}" for s in sources) + f"{'mean F1 (full)':>16s}")
    for name, result in results.items():
        cells = "".join(f"{result[s]['F1']:16.3f}" for s in sources)
        print(f"{name:22s}{cells}{result['_mean_F1_full_text_sources']:16.3f}")
    print("\nP/R of corpus-kit: " + ", ".join(
        f"{s} {results['corpus-kit'][s]['P']:.3f}/{results['corpus-kit'][s]['R']:.3f}" for s in sources
    ))  # fmt: skip
    print(f"\nspeed (remove_boilerplate, one process): {len(pages)} pages, {megabytes:.1f} MB")
    for label, spent in (("wall clock", seconds), ("CPU time", cpu)):
        print(f"  {label}: {spent:.1f} s = {len(pages) / spent:.1f} pages/s, {megabytes / spent:.2f} MB/s")


if __name__ == "__main__":
    main()
