"""Time `corpus-kit validate` on a generated corpus and print documents per second.

Make the corpus first (needs gensim), then run, e.g.:

    python ../shared/bench/make_corpus.py --n 20000 --out c20k.jsonl
    python -m benchmarks.validate c20k.jsonl --limit 5000

Prints the time of the whole suite run through GX, in documents per second; with `--checks`, first
the time of each row check on its own (the custom expectations' work, without GX).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.validation import checks, validate_splits
from corpus_kit.validation.datasets import read_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="JSONL, Parquet or release to validate")
    parser.add_argument("--suite", default="corpus")
    parser.add_argument("--limit", type=int, default=0, help="validate only the first N rows")
    parser.add_argument("--checks", action="store_true", help="also time each row check alone, without GX")
    args = parser.parse_args()

    start = time.perf_counter()
    [(split, table)] = read_dataset(args.path).items()
    if args.limit:
        table = table.slice(0, args.limit)
    n = table.num_rows
    texts = table.column("text").to_pylist()
    print(f"read {n} docs ({sum(map(len, texts)) / 1e6:.1f} M chars) in {time.perf_counter() - start:.1f} s")

    cfg = BoilerplateConfig()
    timings = (
        {}
        if not args.checks
        else {
            "template lines": lambda: checks.template_lines(texts, cfg),
            "boilerplate lines": lambda: checks.has_boilerplate(
                texts, cfg, checks.template_lines(texts, cfg)
            ),
            "exact duplicates": lambda: checks.is_exact_duplicate(texts),
            "near duplicates": lambda: checks.is_near_duplicate(texts, DedupConfig()),
            "language": lambda: checks.detect_languages(texts, LangidConfig()),
        }
    )
    for name, run in timings.items():
        start = time.perf_counter()
        flags = run()
        seconds = time.perf_counter() - start
        failing = sum(flags) if isinstance(flags, list) and flags and isinstance(flags[0], bool) else ""
        print(f"{name:18s} {seconds:7.2f} s  {n / seconds:9.0f} docs/s  {failing}")

    start = time.perf_counter()
    report = validate_splits({split: table}, args.suite)
    seconds = time.perf_counter() - start
    print(report.format_table())
    print(
        f"suite {args.suite!r} through GX: {seconds:.1f} s, {n / seconds:.0f} docs/s, "
        f"exit code {int(report.exit_code)}"
    )


if __name__ == "__main__":
    main()
