"""Small datasets for the validation tests, cut from the bundled seeds and the shared langid data.

Good rows: the article paragraphs of `seeds/` (see `seed_paragraphs`). Bad rows are built from
those plus German UDHR paragraphs (shared data, set B).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_kit import schema
from corpus_kit.config import QualityConfig
from corpus_kit.stages.quality import SIGNAL_COLUMNS, compute_quality_signals
from tests.conftest import SEEDS, shared_data


def seed_paragraphs() -> list[str]:
    """Return the article paragraphs of the two seeds, in file order.

    Single lines of at least 150 characters: in `000_…` up to the article's last paragraph (the
    teasers after it are boilerplate), in `001_…` all but the two photo captions ("(Photo: …)").
    """
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("000_"):
            text = text[: text.index("avenge Kashmiri's death.") + len("avenge Kashmiri's death.")]
        lines += [line.strip() for line in text.splitlines() if len(line.strip()) >= 150]
    return [line for line in lines if "(Photo: " not in line]


def german_paragraphs(n: int) -> list[str]:
    """Return `n` German UDHR paragraphs of at least 200 characters from the shared langid set."""
    found = []
    with gzip.open(shared_data("data", "langid", "langid.jsonl.gz"), "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            if record["lang"] == "de" and record["kind"] == "paragraph" and len(record["text"]) >= 200:
                found.append(record["text"].replace("\n", " "))
                if len(found) == n:
                    break
    return found


def table(texts: list[str | None], prefix: str = "doc") -> pa.Table:
    """Return an `id`/`text` table with ids `prefix-0`, `prefix-1`, …"""
    return pa.table(
        {"id": [f"{prefix}-{i}" for i in range(len(texts))], "text": pa.array(texts, pa.string())}
    )


def near_copy(text: str) -> str:
    """Return `text` with a short update note appended: a near duplicate of it (Jaccard about 0.9)."""
    return text + " This story has been updated."


def release_table(texts: list[str], split: str, prefix: str) -> pa.Table:
    """Return a table with the release columns (`schema.RELEASE`) around `texts`."""
    n = len(texts)
    data = {
        "id": [f"{prefix}-{i}" for i in range(n)],
        "text": texts,
        "source": ["seeds"] * n,
        "record": list(range(n)),
        "url": [None] * n,
        "title": [None] * n,
        "n_chars": [len(t) for t in texts],
        "removed_lines": [[] for _ in texts],
        "lang": ["en"] * n,
        "lang_prob": [1.0] * n,
        "lang_mix": [0.0] * n,
        "dup_cluster": [None] * n,
        "is_duplicate": [False] * n,
        "duplicate_of": [None] * n,
        "split": [split] * n,
    }
    signals = compute_quality_signals(pa.table({"text": texts}), QualityConfig())
    data |= {name: signals.column(name) for name in SIGNAL_COLUMNS}
    return pa.Table.from_pydict(data).select(schema.RELEASE.names).cast(schema.RELEASE)


def write_release(root: Path, splits: dict[str, pa.Table]) -> Path:
    """Write `splits` as a minimal release folder (`manifest.json`, `data/{split}-00000-of-00001.parquet`)."""
    (root / "data").mkdir(parents=True)
    for split, split_table in splits.items():
        pq.write_table(split_table, root / "data" / f"{split}-00000-of-00001.parquet")
    (root / "manifest.json").write_text(json.dumps({"files": {}}), encoding="utf-8")
    return root


def leaky_release(folder: Path) -> Path:
    """Write a release of the seed paragraphs whose test split holds a near copy of train row 2."""
    paragraphs = seed_paragraphs()
    train, test = paragraphs[:25], [*paragraphs[25:], near_copy(paragraphs[2])]
    return write_release(
        folder, {"train": release_table(train, "train", "tr"), "test": release_table(test, "test", "te")}
    )


def one_split_build(tmp_path: Path, records: list[dict], **overrides: object) -> dict[str, object]:
    """Write `records` as a JSONL input and return config overrides building it into one split.

    Quality rules are off (the corpora are single paragraphs, too short for them) and one worker runs.
    """
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    return {
        "input.paths": [str(source)],
        "quality.enabled": False,
        "splits.ratios": {"train": 1.0},
        "package.output_dir": str(tmp_path / "out"),
        "engine.workers": 1,
        **overrides,
    }
