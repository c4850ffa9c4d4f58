"""Benchmark language identification: corpus-kit against plain `langdetect.detect`, in one run.

Part 1, speed: texts/s on benchmark corpus documents (make one with
``python ../shared/bench/make_corpus.py --n 2000 --out c2k.jsonl``, which needs gensim) for
corpus-kit's `detect_languages` and for `langdetect.detect` (seed 0) on the full text, plus the share
of documents labelled as in the corpus truth sidecar (`bg` for the Bulgarian documents, else `en`).
Part 2, accuracy: every Nth text of the shared language-identification set, accuracy per kind on
languages langdetect supports and the share of unsupported-language texts labelled `und`, overall
(`und_on_unsupported`) and per kind (`und_<kind>`).
Rates are texts per CPU second of this process.

Usage: python benchmarks/langid.py [--corpus C2K.jsonl] [--docs 500] [--every 20] [--data DIR]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from corpus_kit.config import LangidConfig
from corpus_kit.stages.langid import detect_language, detect_languages

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def plain_langdetect() -> Callable[[str], str]:
    """Return langdetect's module-level `detect` with seed 0, mapping its errors to `und`."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(text: str) -> str:
        try:
            return detect(text)
        except LangDetectException:
            return "und"

    return run


def bench_corpus(path: Path, n_docs: int, cfg: LangidConfig) -> None:
    """Print texts/s and label agreement with the truth sidecar for both detectors.

    Both run on the same chunks of 50 documents in turn, timed in CPU seconds of this process, so
    other load on a shared machine skews neither rate nor their ratio.
    """
    docs = [json.loads(line) for line in path.open(encoding="utf-8")][:n_docs]
    truth_path = path.with_name(path.name.removesuffix(".jsonl") + ".truth.json")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))["lang"] if truth_path.exists() else {}
    expected = [truth.get(d["id"], "en") for d in docs]
    detect = plain_langdetect()
    detect("warm up the profiles")
    detect_language("warm up the profiles", cfg)
    got: dict[str, list[str]] = {"corpus-kit": [], "langdetect": []}
    secs = dict.fromkeys(got, 0.0)
    for first in range(0, len(docs), 50):
        chunk = docs[first : first + 50]
        table = pa.table({"id": [d["id"] for d in chunk], "text": [d["text"] for d in chunk]})
        start = time.process_time()
        got["corpus-kit"] += detect_languages(table, cfg).column("lang").to_pylist()
        secs["corpus-kit"] += time.process_time() - start
        start = time.process_time()
        got["langdetect"] += [detect(d["text"]) for d in chunk]
        secs["langdetect"] += time.process_time() - start
    chars = sum(len(d["text"]) for d in docs) / len(docs)
    print(f"corpus documents: {len(docs)} from {path.name}, mean {chars:.0f} chars (rates in CPU seconds)")
    for name, labels in got.items():
        agree = sum(g == e for g, e in zip(labels, expected, strict=True)) / len(docs)
        print(f"  {name:<11} {len(docs) / secs[name]:8.0f} texts/s   labels as truth {agree:.4f}")
    print(f"  speed-up {secs['langdetect'] / secs['corpus-kit']:.1f}x")


def bench_accuracy(data: Path, every: int, cfg: LangidConfig) -> None:
    """Print accuracy per kind and `und` on unsupported languages for both detectors."""
    with gzip.open(data / "langid" / "langid.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][::every]
    print(f"language set: every {every}th text, {len(rows)} texts")
    detect = plain_langdetect()
    runs = {
        "corpus-kit": lambda text: detect_language(text, cfg)[0],
        "langdetect": detect,
    }
    for name, run in runs.items():
        start = time.process_time()
        got = [run(r["text"]) for r in rows]
        secs = time.process_time() - start
        right: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for r, lang in zip(rows, got, strict=True):
            keys = [r["kind"]] if r["langdetect_code"] else ["und_on_unsupported", f"und_{r['kind']}"]
            for key in keys:
                right[key][0] += lang == (r["langdetect_code"] or "und")
                right[key][1] += 1
        scores = "  ".join(f"{k} {a / n:.4f} ({n})" for k, (a, n) in sorted(right.items()))
        print(f"  {name:<11} {len(rows) / secs:8.0f} texts/s   {scores}")


def main() -> None:
    """Parse arguments and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, help="JSONL from make_corpus.py (part 1 is skipped without it)"
    )
    parser.add_argument("--docs", type=int, default=500, help="corpus documents to detect")
    parser.add_argument("--every", type=int, default=20, help="score every Nth text of the language set")
    parser.add_argument("--data", type=Path, default=DATA, help="the shared evaluation data folder")
    args = parser.parse_args()
    cfg = LangidConfig()
    print(f"config: {cfg}")
    if args.corpus:
        bench_corpus(args.corpus, args.docs, cfg)
    if (args.data / "langid").exists():
        bench_accuracy(args.data, args.every, cfg)
    else:
        print(f"language set not found under {args.data}; part 2 skipped")


if __name__ == "__main__":
    main()
