"""datatrove's equivalent of `corpus-kit build`, run by `benchmarks/build.py` in its own venv.

JSONL reader → Gopher repetition and quality, C4 and FineWeb quality filters → language filter →
JSONL writer, then MinHash dedup in datatrove's four stages (signatures, buckets, clusters,
filter) → JSONL writer: the FineWeb recipe (datatrove:examples/fineweb.py) without the URL filter
and HTML extraction, which have no counterpart on a JSONL text corpus.

Offline substitute, because nothing but PyPI is reachable: the language filter is `langdetect`
(seed 0) on the full text instead of datatrove's fastText `LanguageFilter`, which downloads its
model at run time. datatrove's English word tokenizer is `spacy.blank("en")`: no download.

Prints one JSON object on stdout: per stage its wall-clock start and end (Unix time) and the
documents written. Needs `datatrove[processing]`, `orjson`, `spacy` and `langdetect`, which
corpus-kit itself never imports.

Usage: python datatrove_pipeline.py --input DIR_OF_JSONL_SHARDS --work DIR [--workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import time
from pathlib import Path


def langdetect_filter(languages: tuple[str, ...] = ("en",)):
    """Return a datatrove filter that keeps documents `langdetect` labels as one of `languages`."""
    from datatrove.pipeline.filters.base_filter import BaseFilter

    class LangdetectFilter(BaseFilter):
        name = "🌍 langdetect"

        def __init__(self) -> None:
            super().__init__()
            self._factory = None

        def filter(self, doc) -> bool | tuple[bool, str]:
            from langdetect import DetectorFactory
            from langdetect.lang_detect_exception import LangDetectException

            if self._factory is None:
                from langdetect.detector_factory import PROFILES_DIRECTORY

                self._factory = DetectorFactory()
                self._factory.load_profile(PROFILES_DIRECTORY)
                self._factory.seed = 0
            detector = self._factory.create()
            detector.append(doc.text)
            try:
                lang = detector.detect()
            except LangDetectException:
                return False, "und"
            doc.metadata["language"] = lang
            return (True, None) if lang in languages else (False, f"lang_{lang}")

    return LangdetectFilter()


def count_docs(folder: Path) -> int:
    """Count the documents of the gzipped JSONL files in `folder`."""
    total = 0
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as f:
            total += sum(1 for _ in f)
    return total


def run(input_dir: Path, work: Path, workers: int) -> dict:
    """Run the five steps one after the other; return their timings and document counts."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    tasks = len(list(input_dir.glob("*.jsonl")))
    minhash = MinhashConfig()  # FineWeb's: 5-grams, 14 buckets of 8 hashes
    filtered, sigs, buckets, remove = (work / n for n in ("filtered", "signatures", "buckets", "remove_ids"))
    logs = work / "logs"

    def executor(name: str, pipeline: list, n_tasks: int) -> LocalPipelineExecutor:
        # spawn, not datatrove's default forkserver: workers are then children of this process,
        # so the CPU time the benchmark reads from wait4() includes them.
        return LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=n_tasks,
            workers=min(workers, n_tasks),
            logging_dir=str(logs / name),
            start_method="spawn",
        )

    steps = [
        (
            "filter",
            executor(
                "filter",
                [
                    JsonlReader(str(input_dir)),
                    GopherRepetitionFilter(),
                    GopherQualityFilter(),
                    C4QualityFilter(filter_no_terminal_punct=False),
                    FineWebQualityFilter(),
                    langdetect_filter(),
                    JsonlWriter(str(filtered)),
                ],
                tasks,
            ),
            filtered,
        ),
        (
            "minhash_signatures",
            executor(
                "signatures",
                [JsonlReader(str(filtered)), MinhashDedupSignature(str(sigs), config=minhash)],
                tasks,
            ),
            None,
        ),
        (
            "minhash_buckets",
            executor(
                "buckets", [MinhashDedupBuckets(str(sigs), str(buckets), config=minhash)], minhash.num_buckets
            ),
            None,
        ),
        (
            "minhash_cluster",
            executor("cluster", [MinhashDedupCluster(str(buckets), str(remove), config=minhash)], 1),
            None,
        ),
        (
            "minhash_filter",
            executor(
                "dedup_filter",
                [
                    JsonlReader(str(filtered)),
                    MinhashDedupFilter(str(remove)),
                    JsonlWriter(str(work / "output")),
                ],
                tasks,
            ),
            work / "output",
        ),
    ]
    stages = []
    for name, step, out in steps:
        start = time.time()
        step.run()
        end = time.time()
        stages.append(
            {"name": name, "start": start, "end": end, "docs_out": count_docs(out) if out else None}
        )
    return {"tasks": tasks, "workers": workers, "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, required=True, help="folder of JSONL shards (one task each)")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (emptied first)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    result = run(args.input.resolve(), args.work.resolve(), args.workers)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
