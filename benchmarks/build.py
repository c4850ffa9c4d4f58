"""Benchmark `corpus-kit build` against datatrove's equivalent pipeline on the same corpora.

For each size: make the corpus with ``../shared/bench/make_corpus.py`` (needs gensim; cached in
the work folder), run ``corpus-kit -q build`` on it as a subprocess, then datatrove's pipeline
(``benchmarks/datatrove_pipeline.py``) in a separate venv that this script creates in the work
folder. A sampler thread records the resident memory of each whole process tree every 0.1 s.
Prints per-stage and overall docs/s, MB/s and peak RSS, the time of ``corpus-kit validate`` on each
built release against the build's, the ratios, and a Markdown table. With ``--ray-pairs N``, also
N alternating pairs of whole builds with the local and the Ray engine, and their ratios.

Usage: python benchmarks/build.py [--sizes 20000,100000] [--workers 2] [--skip-datatrove]
           [--skip-corpus-kit] [--datatrove-docs N] [--template-index] [--ray-pairs N]
           [--max-rss-mb MB] [--workdir DIR]
Needs psutil and gensim in the environment that runs it; datatrove is never imported here.
What each printed number means: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"
DATATROVE_SCRIPT = Path(__file__).resolve().parent / "datatrove_pipeline.py"
DATATROVE_PACKAGES = ["datatrove[processing]==0.10.1", "orjson>=3.10", "spacy>=3.8,<4", "langdetect==1.0.9"]
MB = 1_000_000


@dataclass
class Run:
    """A finished subprocess: wall and CPU seconds, memory samples and the times markers appeared."""

    returncode: int
    start: float
    end: float
    cpu_seconds: float
    samples: list[tuple[float, float]]  # (time, RSS of the whole process tree in MB)
    marks: dict[str, float] = field(default_factory=dict)
    stdout: str = ""

    @property
    def wall(self) -> float:
        return self.end - self.start

    def peak_mb(self, start: float | None = None, end: float | None = None) -> float:
        """Return the peak tree RSS between two times (the whole run by default)."""
        lo, hi = start or self.start, end or self.end
        inside = [rss for t, rss in self.samples if lo <= t <= hi]
        return max(inside, default=0.0)


def tree_rss_mb(proc) -> float:
    """Return the summed RSS of `proc` and all its descendants, in MB."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
            total += p.memory_info().rss
    return total / MB


def run_monitored(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    markers: dict[str, Callable[[dict], bool]],
    log: Path,
    max_rss_mb: float,
) -> Run:
    """Run `cmd`, sampling tree RSS every 0.1 s; stderr goes to `log`.

    `markers` are checks on the file system; each one's first success time is kept in `Run.marks`
    (a check receives the marks so far, so one can require another). The whole process group is
    killed when its RSS passes `max_rss_mb`: the benchmark machine is shared.
    """
    import psutil

    marks: dict[str, float] = {}
    samples: list[tuple[float, float]] = []
    with log.open("w") as err:
        start = time.time()
        child = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True
        )
        proc = psutil.Process(child.pid)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                now = time.time()
                with contextlib.suppress(psutil.Error):
                    samples.append((now, tree_rss_mb(proc)))
                if samples and samples[-1][1] > max_rss_mb and "killed" not in marks:
                    marks["killed"] = now
                    os.killpg(child.pid, signal.SIGKILL)
                for name, check in markers.items():
                    if name not in marks and check(marks):
                        marks[name] = now
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = child.stdout.read()
        # wait4 gives the CPU time of the child and of every descendant it (or its pools) reaped.
        _, status, usage = os.wait4(child.pid, 0)
        end = time.time()
        child.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    return Run(child.returncode, start, end, usage.ru_utime + usage.ru_stime, samples, marks, stdout)


def ensure_corpus(n: int, workdir: Path) -> Path:
    """Return the benchmark corpus of `n` documents, making it once per work folder."""
    path = workdir / f"corpus_{n}.jsonl"
    if not path.exists():
        tmp = workdir / f"tmp_corpus_{n}.jsonl"
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--n", str(n), "--out", str(tmp)], check=True)
        tmp.with_name(tmp.name.removesuffix(".jsonl") + ".truth.json").replace(
            path.with_name(path.name.removesuffix(".jsonl") + ".truth.json")
        )
        tmp.replace(path)
    return path


def ensure_datatrove_venv(workdir: Path) -> Path:
    """Return the Python of a venv holding datatrove, creating it in `workdir` on first use."""
    venv = workdir / "dt-venv"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import datatrove, spacy, langdetect, orjson"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *DATATROVE_PACKAGES], check=True)
    subprocess.run(probe, check=True)
    return python


def shard_corpus(corpus: Path, folder: Path, shards: int, limit: int) -> int:
    """Split the first `limit` lines of `corpus` round-robin into `shards` files; return the count."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    outs = [(folder / f"{i:05d}.jsonl").open("w", encoding="utf-8") for i in range(shards)]
    n = 0
    with corpus.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if limit and n > limit:
                n -= 1
                break
            outs[(n - 1) % shards].write(line)
    for out in outs:
        out.close()
    return n


def corpus_stats(corpus: Path) -> tuple[int, int]:
    """Return the number of documents (lines) and bytes of a JSONL corpus."""
    with corpus.open("rb") as f:
        return sum(1 for _ in f), corpus.stat().st_size


ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def build_command(corpus: Path, out: Path, workers: int, engine: str = "local") -> list[str]:
    """The `corpus-kit -q build` command line of the benchmark's builds."""
    return [
        sys.executable,
        "-m",
        "corpus_kit.cli",
        "-q",
        "build",
        "--input",
        str(corpus),
        "--output",
        str(out),
        "--name",
        "bench",
        "--version",
        "0.0.1",
        "--workers",
        str(workers),
        "--engine",
        engine,
    ]


def bench_corpus_kit(corpus: Path, workdir: Path, workers: int, max_rss_mb: float) -> dict:
    """Run `corpus-kit -q build` on `corpus`; return overall and per-stage numbers."""
    run_dir = workdir / f"ck_{corpus.stem}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    out = run_dir / "out"
    work = out / ".work-bench-0.0.1"
    cmd = build_command(corpus, out, workers)

    def shards_done() -> bool:
        keys = work / "keys"
        return keys.is_dir() and len(list(keys.glob("*.parquet"))) >= len(
            list((work / "ingested").glob("*.parquet"))
        )

    # The build's work folders show where it is: `cleaned/` appears once the template lines are
    # counted, `keys/` fills shard by shard, and the staged release gets its `rejects.jsonl` after
    # validation (its data files are written during it).
    markers = {
        "templates_done": lambda marks: (work / "cleaned").is_dir(),
        "shards_done": lambda marks: "templates_done" in marks and shards_done(),
        "validated": lambda marks: (out / ".staged-bench-0.0.1" / "rejects.jsonl").exists(),
    }
    run = run_monitored(cmd, run_dir, ENV, markers, run_dir / "stderr.log", max_rss_mb)
    if run.returncode not in (0, 1) and "killed" not in run.marks:
        raise SystemExit(f"corpus-kit build failed ({run.returncode}); see {run_dir / 'stderr.log'}")
    # Exit code 1: the release failed its validation suite, so nothing was packaged and no run
    # summary was written; the run's time and memory up to that point are still reported.
    summary_path = out / ".runs" / "bench-0.0.1.json"
    summary = json.loads(summary_path.read_text()) if run.returncode == 0 else None
    edges = [
        run.start,
        run.marks.get("templates_done"),
        run.marks.get("shards_done", run.marks.get("killed")),
        run.marks.get("validated", run.end),  # a build that fails validation (or is killed) stops there
        run.end,
    ]
    names = ["start+ingest+templates", "clean+quality+langid+keys", "dedup clusters+validate", "package"]
    phases = [
        {"name": name, "seconds": hi - lo, "peak_rss_mb": run.peak_mb(lo, hi)}
        for name, lo, hi in zip(names, edges, edges[1:], strict=False)
        if lo is not None and hi is not None and hi > lo
    ]
    index = dedup_index_size(Path(summary["release"]) / "dedup_index.parquet") if summary else None
    return {"run": run, "summary": summary, "phases": phases, "dedup_index": index}


def bench_engine_pairs(corpus: Path, workdir: Path, workers: int, pairs: int, max_rss_mb: float) -> None:
    """Build `corpus` with the local engine, then with Ray, `pairs` times; print each wall time and
    the Ray/local ratios (the issue's target: 1.5x at most). Alternating pairs, because this
    machine's speed drifts over minutes."""
    times: dict[str, list[float]] = {"local": [], "ray": []}
    run_dir = workdir / f"engines_{corpus.stem}"
    for _ in range(pairs):
        for engine in ("local", "ray"):
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir(parents=True)
            cmd = build_command(corpus, run_dir / "out", workers, engine)
            log = workdir / f"engines_{engine}.log"
            run = run_monitored(cmd, run_dir, ENV, {}, log, max_rss_mb)
            if run.returncode != 0:
                raise SystemExit(f"{engine} build failed ({run.returncode}); see {log}")
            times[engine].append(run.wall)
    shutil.rmtree(run_dir, ignore_errors=True)
    print(f"\n## engines, {pairs} alternating pairs (local, then ray): whole build, wall seconds")
    for local, ray in zip(times["local"], times["ray"], strict=True):
        print(f"local {local:6.1f}  ray {ray:6.1f}  ray/local {ray / local:.2f}x")
    mean = {engine: sum(t) / len(t) for engine, t in times.items()}
    ratio = mean["ray"] / mean["local"]
    print(f"means: local {mean['local']:.1f}, ray {mean['ray']:.1f}, ray/local {ratio:.2f}x")


def dedup_index_size(path: Path) -> dict:
    """Return rows and Arrow bytes per document of a release's dedup index (the global dedup keys)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return {
        "rows": table.num_rows,
        "arrow_bytes_per_doc": table.nbytes / max(table.num_rows, 1),
        "file_bytes_per_doc": path.stat().st_size / max(table.num_rows, 1),
    }


def template_index_size(corpus: Path, batch_size: int = 512) -> dict:
    """Return the size of the global template-line counts of `corpus`, per document.

    Runs corpus-kit's own ingest and `count_template_lines` / `merge_template_counts` in this
    process (the build does the same in its workers and main process) and measures the merged
    counts: distinct (site, line) pairs, their Arrow bytes and the template lines kept.
    """
    import pyarrow as pa

    from corpus_kit.config import BoilerplateConfig, LoaderConfig
    from corpus_kit.ingest import ingest_records
    from corpus_kit.loaders import read_inputs
    from corpus_kit.stages.template_lines import count_template_lines, merge_template_counts

    cfg = BoilerplateConfig()
    counts, docs = [], 0
    for batch in ingest_records(read_inputs((str(corpus),), LoaderConfig(), corpus.parent), batch_size):
        docs += batch.table.num_rows
        counts.append(count_template_lines(batch.table, cfg))
    merged = pa.concat_tables(counts).group_by(["site", "line_hash"]).aggregate([("n_docs", "sum")])
    kept = len(merge_template_counts(counts, cfg))
    return {
        "docs": docs,
        "pairs": merged.num_rows,
        "pairs_per_doc": merged.num_rows / max(docs, 1),
        "arrow_bytes_per_doc": merged.nbytes / max(docs, 1),
        "template_lines": kept,
    }


def bench_datatrove(corpus: Path, workdir: Path, workers: int, limit: int, max_rss_mb: float) -> dict:
    """Run datatrove's pipeline on (the first `limit` documents of) `corpus`; return its numbers."""
    python = ensure_datatrove_venv(workdir)
    shards = workdir / f"dt_input_{corpus.stem}_{limit or 'all'}"
    n_docs = shard_corpus(corpus, shards, workers, limit)
    n_bytes = sum(p.stat().st_size for p in shards.glob("*.jsonl"))
    run_dir = workdir / f"dt_{corpus.stem}"
    run_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(python),
        str(DATATROVE_SCRIPT),
        "--input",
        str(shards),
        "--work",
        str(run_dir / "work"),
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "DATATROVE_COLORIZE_LOGS": "0", "DATATROVE_COLORIZE_LOG_FILES": "0"}
    env.pop("PYTHONPATH", None)
    run = run_monitored(cmd, run_dir, env, {}, run_dir / "stderr.log", max_rss_mb)
    if "killed" in run.marks:
        raise SystemExit(f"datatrove killed: its processes passed {max_rss_mb:.0f} MB RSS")
    if run.returncode != 0:
        raise SystemExit(f"datatrove pipeline failed ({run.returncode}); see {run_dir / 'stderr.log'}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    docs_in = n_docs
    for stage in result["stages"]:
        stage["docs_in"] = docs_in
        stage["seconds"] = stage["end"] - stage["start"]
        stage["peak_rss_mb"] = run.peak_mb(stage["start"], stage["end"])
        if stage["docs_out"] is None:  # signatures, buckets and clusters drop no document
            stage["docs_out"] = docs_in
        docs_in = stage["docs_out"]
    return {"run": run, "docs": n_docs, "bytes": n_bytes, "stages": result["stages"]}


def bench_validate(release: Path, workdir: Path, workers: int, max_rss_mb: float) -> Run:
    """Run `corpus-kit validate` on a built release (every split, the release suite) and time it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "corpus_kit.cli", "-q", "validate", str(release), "--workers", str(workers)]
    run = run_monitored(cmd, workdir, env, {}, workdir / "validate.log", max_rss_mb)
    if run.returncode not in (0, 1):
        raise SystemExit(f"corpus-kit validate failed ({run.returncode}); see {workdir / 'validate.log'}")
    return run


def rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def report_corpus_kit(n_docs: int, n_bytes: int, ck: dict) -> dict:
    """Print corpus-kit's stages, phases and totals; return the row for the results table."""
    run, summary = ck["run"], ck["summary"]
    print(f"\n## corpus-kit build, {n_docs:,} docs, {n_bytes / MB:.1f} MB")
    if "killed" in run.marks:
        print(
            f"KILLED: the process tree passed --max-rss-mb at {run.marks['killed'] - run.start:.0f} s; "
            "numbers below stop there"
        )
    elif summary is None:
        print("FAILED VALIDATION (exit 1): nothing packaged, no run summary; numbers below stop there")
    else:
        print(
            "stage      docs in  docs out  seconds   docs/s    MB/s  (clean quality langid dedup: worker-s)"
        )
        for s in summary["stages"]:
            sec = s["seconds"]
            print(
                f"{s['name']:<9} {s['docs_in']:>8,} {s['docs_out']:>9,} {sec:8.2f} "
                f"{rate(s['docs_in'], sec):8.0f} {rate(n_bytes / MB, sec):7.1f}"
            )
    print("phase (wall clock)             seconds  peak RSS MB (process tree)")
    for p in ck["phases"]:
        print(f"{p['name']:<30} {p['seconds']:7.1f}  {p['peak_rss_mb']:8.0f}")
    state = "killed" if "killed" in run.marks else "failed validation"
    row = totals_row("corpus-kit" if summary else f"corpus-kit ({state})", n_docs, n_bytes, run)
    main_peak = f", {summary['peak_rss_mb']:.0f} MB (run summary: main + largest worker)" if summary else ""
    docs_out = f"; {summary['documents_out']:,} docs out" if summary else ""
    print(
        f"overall: {run.wall:.1f} s wall, {row['docs_s']:.0f} docs/s, {row['mb_s']:.2f} MB/s, "
        f"{run.cpu_seconds:.1f} CPU s ({row['docs_cpu_s']:.0f} docs per CPU-second), peak RSS "
        f"{row['peak_mb']:.0f} MB (tree){main_peak}{docs_out}"
    )
    idx = ck["dedup_index"]
    if idx:
        print(
            f"dedup index: {idx['rows']:,} docs, {idx['arrow_bytes_per_doc']:.0f} B/doc in memory (Arrow), "
            f"{idx['file_bytes_per_doc']:.0f} B/doc on disk"
        )
    return row


def report_datatrove(dt: dict) -> dict:
    """Print datatrove's steps and totals; return the row for the results table."""
    run = dt["run"]
    print(f"\n## datatrove 0.10.1, {dt['docs']:,} docs, {dt['bytes'] / MB:.1f} MB")
    print("step                 docs in  docs out  seconds   docs/s  peak RSS MB (tree)")
    for s in dt["stages"]:
        print(
            f"{s['name']:<20} {s['docs_in']:>8,} {s['docs_out']:>9,} {s['seconds']:8.1f} "
            f"{rate(s['docs_in'], s['seconds']):8.0f} {s['peak_rss_mb']:8.0f}"
        )
    row = totals_row("datatrove", dt["docs"], dt["bytes"], run)
    print(
        f"overall: {run.wall:.1f} s wall, {row['docs_s']:.0f} docs/s, {row['mb_s']:.2f} MB/s, "
        f"{run.cpu_seconds:.1f} CPU s ({row['docs_cpu_s']:.0f} docs per CPU-second), peak RSS "
        f"{row['peak_mb']:.0f} MB (tree)"
    )
    return row


def totals_row(tool: str, n_docs: int, n_bytes: int, run: Run) -> dict:
    return {
        "tool": tool,
        "docs": n_docs,
        "mb": n_bytes / MB,
        "wall": run.wall,
        "docs_s": rate(n_docs, run.wall),
        "mb_s": rate(n_bytes / MB, run.wall),
        "cpu": run.cpu_seconds,
        "docs_cpu_s": rate(n_docs, run.cpu_seconds),
        "peak_mb": run.peak_mb(),
    }


def markdown_table(rows: list[dict]) -> str:
    head = (
        "| tool | docs | MB | wall s | docs/s | MB/s | CPU s | docs/CPU-s | peak RSS MB |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    return head + "".join(
        f"| {r['tool']} | {r['docs']:,} | {r['mb']:.1f} | {r['wall']:.1f} | {r['docs_s']:.0f} "
        f"| {r['mb_s']:.2f} | {r['cpu']:.1f} | {r['docs_cpu_s']:.0f} | {r['peak_mb']:.0f} |\n"
        for r in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,100000", help="corpus sizes, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-datatrove", action="store_true")
    parser.add_argument("--skip-corpus-kit", action="store_true", help="run only datatrove")
    parser.add_argument(
        "--datatrove-docs",
        type=int,
        default=0,
        help="run datatrove on the first N documents only (0: all); its rate is compared",
    )
    parser.add_argument(
        "--template-index", action="store_true", help="also measure the global template-line counts"
    )
    parser.add_argument(
        "--ray-pairs",
        type=int,
        default=0,
        help="also build each corpus N times with each engine, alternating, and print Ray/local",
    )
    parser.add_argument("--max-rss-mb", type=float, default=6000, help="kill a run whose processes pass this")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "corpus-kit-bench")
    args = parser.parse_args(argv)
    if not MAKE_CORPUS.exists():
        raise SystemExit(f"{MAKE_CORPUS} not found: the benchmark needs the shared folder beside the repo")
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows, peaks = [], {}
    print(
        f"# corpus-kit build benchmark: workers={args.workers}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        corpus = ensure_corpus(size, args.workdir)
        n_docs, n_bytes = corpus_stats(corpus)
        ck_row = None
        if args.template_index:
            tpl = template_index_size(corpus)
            print(
                f"\ntemplate-line counts, {size:,} docs: {tpl['pairs']:,} distinct (site, line) pairs "
                f"({tpl['pairs_per_doc']:.1f} per doc, {tpl['arrow_bytes_per_doc']:.0f} B/doc as Arrow), "
                f"{tpl['template_lines']:,} template lines kept"
            )
        if not args.skip_corpus_kit:
            ck = bench_corpus_kit(corpus, args.workdir, args.workers, args.max_rss_mb)
            ck_row = report_corpus_kit(n_docs, n_bytes, ck)
            rows.append(ck_row)
            peaks[size] = ck
            if ck["summary"]:
                kept = ck["summary"]["documents_out"]
                release = Path(ck["summary"]["release"])
                val = bench_validate(release, release.parents[2], args.workers, args.max_rss_mb)
                print(
                    f"validate the release on its own (exit {val.returncode}): {val.wall:.1f} s wall, "
                    f"{rate(kept, val.wall):.0f} docs/s, peak RSS {val.peak_mb():.0f} MB (tree); "
                    f"{val.wall / ck['run'].wall:.2f}x the build's {ck['run'].wall:.1f} s"
                )
        if args.ray_pairs:
            bench_engine_pairs(corpus, args.workdir, args.workers, args.ray_pairs, args.max_rss_mb)
        if not args.skip_datatrove:
            print(f"(load average {os.getloadavg()[0]:.1f} before datatrove)")
            dt_row = report_datatrove(
                bench_datatrove(corpus, args.workdir, args.workers, args.datatrove_docs, args.max_rss_mb)
            )
            rows.append(dt_row)
            if ck_row:
                print(
                    f"ratio corpus-kit/datatrove: {ck_row['docs_s'] / dt_row['docs_s']:.1f}x docs/s (wall), "
                    f"{ck_row['docs_cpu_s'] / dt_row['docs_cpu_s']:.1f}x docs per CPU-second"
                )
    if len(peaks) >= 2:
        small, large = min(peaks), max(peaks)
        print(f"\n## memory growth {large:,} vs {small:,} docs (target: +10 % at most, global indexes aside)")
        print(
            f"overall peak RSS (tree): {peaks[large]['run'].peak_mb() / peaks[small]['run'].peak_mb():.2f}x"
        )
        for a, b in zip(peaks[small]["phases"], peaks[large]["phases"], strict=False):
            print(
                f"  {a['name']:<30} {a['peak_rss_mb']:7.0f} -> {b['peak_rss_mb']:7.0f} MB "
                f"({b['peak_rss_mb'] / a['peak_rss_mb']:.2f}x)"
            )
    print(f"\nload average {os.getloadavg()[0]:.1f} at end\n")
    (args.workdir / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(markdown_table(rows))
    command = " ".join(
        ["python benchmarks/build.py", f"--sizes {args.sizes}", f"--workers {args.workers}"]
        + (["--skip-datatrove"] if args.skip_datatrove else [])
        + (["--skip-corpus-kit"] if args.skip_corpus_kit else [])
        + ([f"--datatrove-docs {args.datatrove_docs}"] if args.datatrove_docs else [])
        + (["--template-index"] if args.template_index else [])
        + ([f"--ray-pairs {args.ray_pairs}"] if args.ray_pairs else [])
        + ([f"--max-rss-mb {args.max_rss_mb:.0f}"] if args.max_rss_mb != 6000 else [])
    )
    print(f"Command: `{command}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
