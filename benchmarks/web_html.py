"""Benchmark the HTML path against trafilatura alone and trafilatura + the plain-text cleaner.

Scores the boilerplate evaluation pages of the shared data folder (their raw `html` field) with
the metric of `score_boilerplate.py` (token F1 against the human main text, per source; snippet
F1 for the trafilatura pages) and prints pages/s and MB/s of extraction, ingest, the cleaner and
the quality signals on one core, with the quality stage's reject counts on the cleaned pages.

    python benchmarks/web_html.py [--limit N] [--sources scrapinghub_aeb,cleaneval] [--shared DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file's name would then
# shadow the standard library's `html` module (which trafilatura imports): drop that folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import collections
import importlib.util
import time
from types import ModuleType

import pyarrow as pa

from corpus_kit.config import BoilerplateConfig, QualityConfig
from corpus_kit.ingest import extract_html_rows
from corpus_kit.loaders.html import extract_main_text
from corpus_kit.stages.normalize import normalize_text

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def _scorer(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "score_boilerplate", shared / "bench" / "score_boilerplate.py"
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"score_boilerplate.py not found under {shared / 'bench'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _print_table(title: str, result: dict) -> None:
    print(f"\n{title}")
    for source, row in result.items():
        if source.startswith("_"):
            continue
        extra = (
            f"pages={row['pages']}" if "pages" in row else f"snippets={row['snippets']} acc={row['acc']:.3f}"
        )
        print(f"  {source:18s} P={row['P']:.3f} R={row['R']:.3f} F1={row['F1']:.3f} {extra}")
    print(f"  mean F1 over full-text sources: {result['_mean_F1_full_text_sources']:.3f}")


def _kept(table: pa.Table) -> dict[str, str]:
    return dict(zip(table.column("id").to_pylist(), table.column("text").to_pylist(), strict=True))


def _print_speed(what: str, pages: int, megabytes: float, seconds: float) -> None:
    print(f"  {what}: {pages / seconds:.1f} pages/s, {megabytes / seconds:.2f} MB/s of HTML")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (data/ and bench/)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages (0: all)")
    parser.add_argument("--sources", default="", help="comma list of sources to keep")
    args = parser.parse_args(argv)

    scorer = _scorer(args.shared)
    pages = scorer.load_pages(args.shared / "data")
    if args.sources:
        keep = set(args.sources.split(","))
        pages = [p for p in pages if p["source"] in keep or p["source"].split("_")[0] in keep]
    if args.limit:
        pages = pages[: args.limit]
    megabytes = sum(len(p["html"].encode()) for p in pages) / 1e6

    start = time.perf_counter()
    extracted = {p["id"]: normalize_text(extract_main_text(p["html"], p.get("url")) or "") for p in pages}
    extract_seconds = time.perf_counter() - start
    _print_table(
        "trafilatura alone (corpus_kit.loaders.html.extract_main_text)", scorer.score(pages, extracted)
    )
    _print_speed("trafilatura", len(pages), megabytes, extract_seconds)

    from corpus_kit.stages.boilerplate import clean_table
    from corpus_kit.stages.quality import compute_quality_signals

    # The product's HTML path: visible lines with their main-text shares, then the HTML model.
    start = time.perf_counter()
    table = extract_html_rows(
        pa.table(
            {
                "id": [p["id"] for p in pages],
                "html": [p["html"] for p in pages],
                "url": pa.array([p.get("url") for p in pages], pa.string()),
            }
        )
    )
    prepare_seconds = time.perf_counter() - start
    start = time.perf_counter()
    cleaned = clean_table(table, BoilerplateConfig())
    clean_seconds = time.perf_counter() - start
    _print_table(
        "corpus-kit HTML path (visible lines + trafilatura shares + HTML line model; in-sample on the "
        "training sources, see scripts/train_boilerplate.py --cv)",
        scorer.score(pages, _kept(cleaned)),
    )
    _print_speed("ingest (extraction, visible lines, shares)", len(pages), megabytes, prepare_seconds)
    _print_speed("clean (the first includes loading the model)", len(pages), megabytes, clean_seconds)
    _print_speed("whole HTML path", len(pages), megabytes, prepare_seconds + clean_seconds)

    # Before: the plain-text cleaner on trafilatura's main text.
    plain = clean_table(
        table.drop_columns(["main_text_share"]).set_column(
            table.schema.get_field_index("text"),
            "text",
            pa.array([extracted[p["id"]] for p in pages], pa.string()),
        ),
        BoilerplateConfig(),
    )
    _print_table(
        "trafilatura + plain-text line cleaner",
        scorer.score(pages, _kept(plain)),
    )

    start = time.perf_counter()
    judged = compute_quality_signals(cleaned, QualityConfig())  # on the HTML path's output
    quality_seconds = time.perf_counter() - start
    reasons = collections.Counter(judged.column("reject_reason").to_pylist())
    print(f"\nquality signals on the cleaned pages: {len(pages) / quality_seconds:.0f} pages/s")
    print("  " + ", ".join(f"{reason or 'kept'}: {n}" for reason, n in sorted(reasons.items(), key=str)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
