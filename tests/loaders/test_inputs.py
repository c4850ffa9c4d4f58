"""Loaders: text folders, JSONL (plain, gzip, zstd), Parquet, and bad input of every kind."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import LoaderConfig
from corpus_kit.errors import InputError
from corpus_kit.ingest import ingest_records
from corpus_kit.loaders import find_inputs, read_inputs
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.jsonl import read_jsonl
from tests.conftest import SEEDS

CFG = LoaderConfig()
SEED_TEXT = (SEEDS / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p for p in SEED_TEXT.split("\n\n") if len(p) > 200]


def _ingest(paths: list[str], root: Path, cfg: LoaderConfig = CFG):
    batches = list(ingest_records(read_inputs(paths, cfg, root)))
    rows = [r for b in batches for r in b.table.to_pylist()]
    return rows, [r for b in batches for r in b.rejects]


def test_seed_folder(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    rows, rejects = _ingest(["seeds"], tmp_path)
    assert rejects == []
    assert [(r["id"], r["source"], r["record"]) for r in rows] == [
        ("000_d2e5173d4dcb53ba", "seeds/000_d2e5173d4dcb53ba.txt", 0),
        ("001_66b4bbf42a475dd1", "seeds/001_66b4bbf42a475dd1.txt", 0),
    ]
    assert rows[1]["text"].startswith("1. Skip to content\n2. Skip to main menu")


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_jsonl_compressions_and_fields(tmp_path: Path, suffix: str) -> None:
    lines = [
        {"doc": "a", "body": PARAGRAPHS[0], "link": "https://www.dw.com/a", "title": "T"},
        {"doc": 7, "body": PARAGRAPHS[1]},
    ]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    path = tmp_path / f"in{suffix}"
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    elif suffix.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    cfg = LoaderConfig(id_key="doc", text_key="body", url_key="link")
    rows, rejects = _ingest([path.name], tmp_path, cfg)
    assert rejects == []
    assert [(r["id"], r["url"], r["title"], r["record"]) for r in rows] == [
        ("a", "https://www.dw.com/a", "T", 1),
        ("7", None, None, 2),
    ]
    assert rows[0]["text"] == PARAGRAPHS[0]


def test_bad_jsonl_records_are_rejected_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "ok", "text": "fine text"}\r\n'
        b"{not json\n"
        b"[1, 2]\n"
        b'{"id": "x"}\n'
        b'{"id": "y", "text": 5}\n'
        b'{"id": "ok", "text": "same id again"}\n'
        b'{"id": "latin1", "text": "caf\xe9"}\n'
        b'{"id": "blank", "text": " \\u00a0 "}\n'
        b"\n"
        b'\xef\xbb\xbf{"id": "bom", "text": "with a BOM"}\n'
    )
    rows, rejects = _ingest(["bad.jsonl"], tmp_path)
    assert [r["id"] for r in rows] == ["ok", "bom"]
    assert [(r.record, r.reason) for r in rejects] == [
        (2, schema.REJECT_MALFORMED_JSON),
        (3, schema.REJECT_NOT_OBJECT),
        (4, schema.REJECT_MISSING_TEXT),
        (5, schema.REJECT_MISSING_TEXT),
        (6, schema.REJECT_DUPLICATE_ID),
        (7, schema.REJECT_DECODE_ERROR),
        (8, schema.REJECT_EMPTY),
    ]
    assert all(r.source == "bad.jsonl" for r in rejects)
    assert "keys: id" in rejects[2].detail


def test_truncated_gzip_keeps_records_before_the_damage(tmp_path: Path) -> None:
    data = "".join(
        json.dumps({"id": str(i), "text": PARAGRAPHS[i % len(PARAGRAPHS)]}) + "\n" for i in range(300)
    )
    packed = gzip.compress(data.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    rows, rejects = _ingest(["cut.jsonl.gz"], tmp_path)
    assert 0 < len(rows) < 300
    assert [r["id"] for r in rows] == [str(i) for i in range(len(rows))]
    assert [r.reason for r in rejects] == [schema.REJECT_TRUNCATED]
    assert rejects[0].source == "cut.jsonl.gz"


def test_truncated_zstd(tmp_path: Path) -> None:
    data = "".join(json.dumps({"id": str(i), "text": PARAGRAPHS[0]}) + "\n" for i in range(200)).encode()
    packed = zstandard.ZstdCompressor().compress(data)
    (tmp_path / "cut.jsonl.zst").write_bytes(packed[:-20])
    rows, rejects = _ingest(["cut.jsonl.zst"], tmp_path)
    assert len(rows) < 200
    assert [r.reason for r in rejects] == [schema.REJECT_TRUNCATED]


def test_text_files_binary_empty_undecodable(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(PARAGRAPHS[0], encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.txt").write_bytes(b"text\x00with NUL")
    (folder / "d.txt").write_bytes(b"caf\xe9 au lait")
    (folder / "e.txt").write_bytes(b"\xef\xbb\xbfCRLF\r\nlines\r\n")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    rows, rejects = _ingest(["docs"], tmp_path)
    assert [(r["id"], r["text"][:10]) for r in rows] == [("a", PARAGRAPHS[0][:10]), ("e", "CRLF\nlines")]
    assert [(r.source, r.reason) for r in rejects] == [
        ("docs/b.txt", schema.REJECT_EMPTY),
        ("docs/c.txt", schema.REJECT_BINARY),
        ("docs/d.txt", schema.REJECT_DECODE_ERROR),
    ]
    assert "byte 3" in rejects[2].detail


def test_very_long_line(tmp_path: Path) -> None:
    text = ("word " * 4_000_000).strip()  # a 20 MB line
    (tmp_path / "long.jsonl").write_text(json.dumps({"id": "long", "text": text}) + "\n", encoding="utf-8")
    rows, rejects = _ingest(["long.jsonl"], tmp_path)
    assert rejects == [] and len(rows[0]["text"]) == len(text)


def test_parquet_rows(tmp_path: Path) -> None:
    table = pa.table(
        {"id": ["p1", None], "text": [PARAGRAPHS[0], PARAGRAPHS[1]], "url": [None, "https://x.org/"]}
    )
    pq.write_table(table, tmp_path / "in.parquet")
    rows, rejects = _ingest(["in.parquet"], tmp_path)
    assert rejects == []
    assert [(r["id"], r["url"], r["record"]) for r in rows] == [
        ("p1", None, 0),
        ("in.parquet#1", "https://x.org/", 1),
    ]


def test_missing_path_and_unknown_type(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope: no such file or folder"):
        find_inputs(["nope"], tmp_path)
    (tmp_path / "x.csv").write_text("a,b", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.csv: unknown input type"):
        find_inputs(["x.csv"], tmp_path)


def test_ids_do_not_depend_on_order(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        (tmp_path / f"{name}.jsonl").write_text(
            json.dumps({"text": f"text of {name}"}) + "\n", encoding="utf-8"
        )
    one, _ = _ingest(["c.jsonl", "a.jsonl"], tmp_path)
    two, _ = _ingest(["a.jsonl", "c.jsonl"], tmp_path)
    assert {r["id"]: r["text"] for r in one} == {r["id"]: r["text"] for r in two}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_bytes(data)
        items = list(read_jsonl(path, "fuzz.jsonl", CFG))
        assert all(isinstance(i, Record | Reject) for i in items)
        list(ingest_records(items))


def test_unreadable_file_is_an_input_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    locked = tmp_path / "docs" / "locked.txt"
    locked.write_text(PARAGRAPHS[0], encoding="utf-8")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:  # the OS refusing to read, as for a file without read permission
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputError, match=r"locked\.txt: cannot read: Permission denied"):
        list(read_inputs(["docs"], CFG, tmp_path))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"text": st.text(min_size=1, max_size=40)},
            optional={"id": st.one_of(st.text(max_size=8), st.integers(0, 50))},
        ),
        max_size=8,
    )
)
def test_ids_are_stable(objects: list[dict]) -> None:
    """Ids depend only on a record and its position in its file: same input, same ids, every time."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a.jsonl").write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
        (root / "b.jsonl").write_text(json.dumps({"text": "another file"}) + "\n", encoding="utf-8")
        first, rejects_first = _ingest(["a.jsonl", "b.jsonl"], root)
        second, rejects_second = _ingest(["b.jsonl", "a.jsonl"], root)
    by_record = {(r["source"], r["record"]): r["id"] for r in first}
    assert by_record == {(r["source"], r["record"]): r["id"] for r in second}
    assert len({r["id"] for r in first}) == len(first)
    assert sorted((r.source, r.record, r.reason) for r in rejects_first) == sorted(
        (r.source, r.record, r.reason) for r in rejects_second
    )
    assert len(first) + len(rejects_first) == len(objects) + 1
