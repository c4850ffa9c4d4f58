"""The `corpus-kit` command: parse arguments, build the config, call the API, return an exit code.

Exit codes: 0 ok; 1 a validation suite failed; 2 an error (bad usage, config, input, release).
Results go to stdout, messages and progress bars to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from corpus_kit import api
from corpus_kit.config import BuildConfig, load_config
from corpus_kit.errors import CorpusKitError, ExitCode
from corpus_kit.progress import enable_progress_bars

logger = logging.getLogger("corpus_kit")

DEFAULT_CONFIG = "corpus.toml"


def _io_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input", required=True, type=Path, help="input .jsonl, .jsonl.gz or .parquet (needs id, text)"
    )
    parser.add_argument("--output", required=True, type=Path, help="output .jsonl, .jsonl.gz or .parquet")


def _global_options(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """Add -c, -q and -v to `parser`. Each command takes them too (`corpus-kit build -q`), with
    `suppress` (no default) so that one left out after the command keeps its value from before it."""
    unset = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "-c", "--config", type=Path, help=f"config file (default: ./{DEFAULT_CONFIG} if present)", **unset
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars, only warnings and errors", **unset
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail", **unset)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus-kit",
        description="Turn raw web documents into a clean, validated, versioned dataset.",
    )
    _global_options(parser)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    p = command("build", help="run the whole chain and write a release under dist/")
    p.add_argument("--input", nargs="+", help="input files or folders (overrides the config's input.paths)")
    p.add_argument("--output", help="output folder for releases (overrides package.output_dir)")
    p.add_argument("--name", help="dataset name (overrides dataset.name)")
    p.add_argument("--version", help="dataset version, e.g. 1.0.0 (overrides dataset.version)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="execution engine: local processes, or Ray Data (needs corpus-kit[ray])",
    )
    p.add_argument(
        "--ray-address",
        help="Ray cluster for --engine ray, e.g. ray://head:10001 or auto "
        "(default: start a local Ray instance)",
    )
    p.add_argument("--rejects", type=Path, help="also write the rejects (JSONL) to this file")

    p = command("ingest", help="load and normalize inputs into one Parquet or JSONL file")
    p.add_argument("inputs", nargs="+", help="input files or folders")
    p.add_argument("--output", required=True, type=Path, help="output .parquet or .jsonl")
    p.add_argument("--rejects", type=Path, help="rejects file (default: OUTPUT.rejects.jsonl)")

    p = command("clean", help="remove boilerplate lines, recording each in removed_lines")
    _io_args(p)
    p = command("langid", help="add lang, lang_prob and lang_mix")
    _io_args(p)
    p = command("dedup", help="add dup_cluster, is_duplicate and duplicate_of")
    _io_args(p)

    p = command("package", help="write a release from rows that went through clean, langid and dedup")
    p.add_argument(
        "input", type=Path, help="a .parquet or .jsonl file (e.g. the output of `corpus-kit dedup`)"
    )
    p.add_argument("--output", help="output folder for releases (overrides package.output_dir)")
    p.add_argument("--name", help="dataset name (overrides dataset.name)")
    p.add_argument("--version", help="dataset version (overrides dataset.version)")

    p = command("validate", help="check a dataset against an expectation suite (exit 1 on failure)")
    p.add_argument("path", type=Path, help="a release folder, a Parquet file or folder, or a JSONL file")
    p.add_argument("--suite", help="suite name in expectations/ or a JSON file (default: release or corpus)")
    p.add_argument("--json", type=Path, dest="json_path", help="write results as JSON to this file")
    p.add_argument("--junit", type=Path, dest="junit_path", help="write results as JUnit XML to this file")
    p.add_argument(
        "--docs", type=Path, dest="docs_dir", help="write Great Expectations Data Docs (HTML) here"
    )
    p.add_argument("--workers", type=int, default=0, help="processes for the checks (default: all cores)")

    p = command("report", help="threshold what-if report (HTML): what each setting would remove")
    p.add_argument("path", type=Path, help="a release folder, a Parquet file or folder, or a JSONL file")
    p.add_argument("--output", type=Path, required=True, help="HTML file to write")
    p.add_argument("--max-docs", type=int, default=2000, help="documents analysed (default 2000)")

    p = command("diff", help="list documents added, removed and changed between two releases")
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)

    p = command("publish", help="push a release to a Hugging Face Hub and tag it v<version>")
    p.add_argument("release", type=Path, help="release folder, e.g. dist/NAME/1.0.0")
    p.add_argument("--repo", required=True, help="dataset repo id, ORG/NAME")
    p.add_argument("--endpoint", help="hub URL (default: HF_ENDPOINT or huggingface.co)")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    return parser


def _config_path(args: argparse.Namespace) -> Path | None:
    if args.config is None and Path(DEFAULT_CONFIG).is_file():
        return Path(DEFAULT_CONFIG)
    return args.config


def _config(args: argparse.Namespace, overrides: dict[str, Any] | None = None) -> BuildConfig:
    return load_config(_config_path(args), {k: v for k, v in (overrides or {}).items() if v is not None})


def _cmd_build(args: argparse.Namespace) -> int:
    from corpus_kit.config import ConfigError

    config = _config_path(args)
    root = config.resolve().parent if config else Path.cwd()

    def relative(path: str) -> str:
        """Return `path` (given relative to the working folder) relative to the config's folder."""
        return os.path.relpath(Path.cwd() / path, root)

    cfg = _config(
        args,
        {
            "input.paths": [relative(p) for p in args.input] if args.input else None,
            "package.output_dir": relative(args.output) if args.output else None,
            "dataset.name": args.name,
            "dataset.version": args.version,
            "engine.workers": args.workers,
        },
    )
    if not cfg.input.paths:
        raise ConfigError("no inputs: give --input PATH… or a config with input.paths")
    if args.ray_address and args.engine != "ray":
        raise ConfigError("--ray-address needs --engine ray")
    report = api.build(cfg, engine=args.engine, ray_address=args.ray_address)
    stats = report.summary()
    state = "written" if report.created else "unchanged: the release is byte-identical to the existing one"
    print(f"{report.release}: {state}")
    rejected = sum(stats["rejected"].values())
    reasons = ", ".join(f"{k} {v:,}" for k, v in stats["rejected"].items())
    balance = f"{stats['documents_in']:,} = {stats['documents_out']:,} + {rejected:,}"
    print(f"records in = rows out + rejects: {balance}" + (f" ({reasons})" if reasons else ""))
    for stage in stats["stages"]:
        print(
            f"  {stage['name']:<9} {stage['docs_in']:>9,} → {stage['docs_out']:>9,}  {stage['seconds']:7.2f}s"
        )
    print(f"peak memory: {stats['peak_rss_mb']:.0f} MB")
    if args.rejects:
        rejects = (report.release / "rejects.jsonl").read_bytes()
        args.rejects.write_bytes(rejects)
    return ExitCode.OK


def _cmd_ingest(args: argparse.Namespace) -> int:
    from corpus_kit.table_io import write_table

    cfg = _config(args)
    batch = api.ingest(args.inputs, cfg.input, Path.cwd())
    write_table(batch.table, args.output)
    rejects = args.rejects or args.output.with_name(args.output.name.split(".")[0] + ".rejects.jsonl")
    write_table(batch.rejects_table(), rejects)
    print(f"{args.output}: {batch.table.num_rows:,} documents; {len(batch.rejects):,} rejected ({rejects})")
    if not batch.table.num_rows:
        logger.error("no documents could be read")
        return ExitCode.ERROR
    return ExitCode.OK


def _single_stage(args: argparse.Namespace) -> int:
    from corpus_kit.errors import SchemaError
    from corpus_kit.table_io import read_table, write_table

    cfg = _config(args)
    if args.command == "clean":  # `text`, or `html` for web pages
        table = read_table(args.input, required=("id",))
        if not {"text", "html"} & set(table.column_names):
            raise SchemaError(
                f"{args.input}: missing column 'text' (or 'html'); columns are {table.column_names}"
            )
        try:
            table = api.clean(table, cfg)
        except SchemaError as err:
            raise SchemaError(f"{args.input}: {err}") from err
    elif args.command == "langid":
        table = api.detect_language(read_table(args.input), cfg.langid)
    else:
        table = api.deduplicate(read_table(args.input), cfg.dedup)
    write_table(table, args.output)
    print(f"{args.output}: {table.num_rows:,} rows")
    return ExitCode.OK


def _cmd_package(args: argparse.Namespace) -> int:
    from corpus_kit.table_io import read_table

    overrides = {
        "package.output_dir": args.output,
        "dataset.name": args.name,
        "dataset.version": args.version,
    }
    report = api.package(read_table(args.input), _config(args, overrides), source=args.input.name)
    state = "written" if report.created else "unchanged: byte-identical to the existing one"
    print(f"{report.release}: {state}")
    return ExitCode.OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from corpus_kit.validation import run_validate_command

    return run_validate_command(
        args.path, args.suite, args.json_path, args.junit_path, args.docs_dir, workers=args.workers
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from corpus_kit.validation import run_report_command

    return run_report_command(args.path, args.output, _config(args), args.max_docs)


def _cmd_diff(args: argparse.Namespace) -> int:
    from corpus_kit.package.diff import format_diff

    print(format_diff(api.diff(args.old, args.new)), end="")
    return ExitCode.OK


def _cmd_publish(args: argparse.Namespace) -> int:
    result = api.publish(args.release, args.repo, endpoint=args.endpoint, private=args.private)
    print(json.dumps(result.__dict__, default=str))
    return ExitCode.OK


_COMMANDS = {
    "build": _cmd_build,
    "ingest": _cmd_ingest,
    "clean": _single_stage,
    "langid": _single_stage,
    "dedup": _single_stage,
    "package": _cmd_package,
    "validate": _cmd_validate,
    "report": _cmd_report,
    "diff": _cmd_diff,
    "publish": _cmd_publish,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="corpus-kit: %(message)s", stream=sys.stderr)
    logger.setLevel(level)
    enable_progress_bars(not args.quiet)
    try:
        return int(_COMMANDS[args.command](args))
    except CorpusKitError as err:
        print(f"corpus-kit: {type(err).__name__}: {err}", file=sys.stderr)
        return int(err.exit_code)
    except KeyboardInterrupt:
        print("corpus-kit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`corpus-kit diff A B | head`): stop quietly, as `cat` does.
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
