"""WARC/WET/ARC loader on the shared samples: documents, skipped records counted, damage reported."""

from __future__ import annotations

import collections
import importlib
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import LoaderConfig
from corpus_kit.engines.local import WorkerPool
from corpus_kit.errors import InputError
from corpus_kit.ingest import ingest_records
from corpus_kit.loaders import read_inputs
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.html import extract_main_text
from corpus_kit.loaders.warc import read_warc

ingest_module = importlib.import_module("corpus_kit.ingest")  # the package's `ingest` is the function
WHIRLWIND_ID = "urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6"
WET_ID = "urn:uuid:ba729a40-ff84-4085-8d48-0a5b2ee0c42d"
ESCOPETE = "https://an.wikipedia.org/wiki/Escopete"
SKIPPED_TYPE = schema.REJECT_SKIPPED_RECORD_TYPE


def warc_sample(name: str) -> Path:
    from tests.conftest import shared_data

    return shared_data("data", "warc", name)


def read(name: str) -> list[Record | Reject]:
    return list(read_warc(warc_sample(name), name))


def reasons(items: list[Record | Reject]) -> collections.Counter:
    return collections.Counter(
        item.reason if isinstance(item, Reject) else ("html" if item.html else "text") for item in items
    )


def rejects(items: list[Record | Reject], reason: str) -> list[Reject]:
    return [item for item in items if isinstance(item, Reject) and item.reason == reason]


def test_common_crawl_warc_response_takes_the_html_path() -> None:
    items = read("commoncrawl_whirlwind.warc.gz")
    assert [(type(i).__name__, i.record) for i in items] == [
        ("Reject", 0),
        ("Reject", 516),
        ("Record", 1023),
        ("Reject", 18374),
    ]
    assert [(i.reason, i.detail) for i in items if isinstance(i, Reject)] == [
        (schema.REJECT_SKIPPED_RECORD_TYPE, "WARC-Type warcinfo"),
        (schema.REJECT_SKIPPED_RECORD_TYPE, "WARC-Type request"),
        (schema.REJECT_SKIPPED_RECORD_TYPE, "WARC-Type metadata"),
    ]
    page = items[2]
    assert (page.id, page.url, page.title, page.text) == (
        WHIRLWIND_ID,
        ESCOPETE,
        "Escopete - Biquipedia, a enciclopedia libre",
        None,
    )
    assert len(page.html) == 72546
    text = extract_main_text(page.html, page.url)
    assert text is not None and text.startswith("Escopete\n")
    assert "Menú principal" not in text  # the wiki's navigation is left out


def test_common_crawl_wet_conversion_takes_the_text_path() -> None:
    items = read("commoncrawl_whirlwind.warc.wet.gz")
    assert items[0] == Reject(
        "commoncrawl_whirlwind.warc.wet.gz",
        0,
        schema.REJECT_SKIPPED_RECORD_TYPE,
        "WARC-Type warcinfo",
        "urn:uuid:5327826b-b3d8-426e-938d-cf3318afe8e9",
    )
    (wet,) = items[1:]
    assert (wet.record, wet.id, wet.url, wet.html, wet.title) == (
        466,
        WET_ID,
        ESCOPETE,
        None,
        None,
    )
    assert wet.text.startswith(
        "Escopete - Biquipedia, a enciclopedia libre\nIr al contenido\nMenú principal\n"
    )
    assert len(wet.text.encode()) == 4456  # the Content-Length of the record: the text as stored


def test_revisit_and_request_records_are_counted() -> None:
    for name in ("warcio_example.warc", "warcio_example.warc.gz"):
        items = read(name)
        assert reasons(items) == {
            schema.REJECT_SKIPPED_RECORD_TYPE: 4,
            schema.REJECT_SKIPPED_REVISIT: 1,
            "html": 1,
        }
    revisit = next(
        i
        for i in read("warcio_example.warc")
        if isinstance(i, Reject) and i.reason == schema.REJECT_SKIPPED_REVISIT
    )
    assert (revisit.record, revisit.detail) == (3370, "revisit of http://example.com/")


def test_every_record_of_every_sample_is_accounted_for() -> None:
    manifest = json.loads(warc_sample("MANIFEST.json").read_text(encoding="utf-8"))
    for entry in manifest:
        if not entry["record_types"]:  # the ARC file: its headers are not WARC headers
            continue
        items = read(entry["file"])
        assert len(items) == sum(entry["record_types"].values()), entry["file"]
        assert reasons(items)[schema.REJECT_TRUNCATED] == 0


def test_non_html_resources_and_http_status() -> None:
    items = read("dolma_sample-0000.warc.gz")
    assert reasons(items) == {
        "html": 22,
        schema.REJECT_SKIPPED_RECORD_TYPE: 24,
        schema.REJECT_SKIPPED_NON_HTML: 2,
    }
    assert [
        i.detail for i in items if isinstance(i, Reject) and i.reason == schema.REJECT_SKIPPED_NON_HTML
    ] == [
        "content type text/plain",
        "content type text/plain",
    ]
    (resource,) = [i for i in read("warcio_example-resource.warc.gz") if isinstance(i, Record)]
    assert (resource.record, resource.url, resource.title) == (802, "http://example.com/", "Example Domain")


def test_chunked_transfer_and_arc() -> None:
    (iana,) = [i for i in read("warcio_example-iana.org-chunked.warc") if isinstance(i, Record)]
    assert iana.title == "Internet Assigned Numbers Authority"
    assert iana.html.rstrip().endswith("</html>")  # de-chunked: no chunk sizes left in the page
    arc = read("warcio_example.arc.gz")
    assert [(type(i).__name__, i.record, i.id) for i in arc] == [("Reject", 0, None), ("Record", 171, None)]
    assert extract_main_text(arc[1].html).startswith("This domain is established to be used for illustrative")


def test_truncated_gzip_keeps_records_before_the_damage(tmp_path: Path) -> None:
    data = warc_sample("dolma_sample-0000.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[:100_000])
    items = list(read_warc(cut, "cut.warc.gz"))
    assert reasons(items) == {"html": 13, schema.REJECT_SKIPPED_RECORD_TYPE: 14, schema.REJECT_TRUNCATED: 1}
    assert items[-1] == Reject(
        "cut.warc.gz", 99869, schema.REJECT_TRUNCATED, "file ends inside a record: record header cut short"
    )
    assert items[:-1] == list(read_warc(warc_sample("dolma_sample-0000.warc.gz"), "cut.warc.gz"))[:27]


def test_truncated_plain_warc_reports_missing_bytes(tmp_path: Path) -> None:
    data = warc_sample("warcio_example-iana.org-chunked.warc").read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[:5000])
    items = list(read_warc(cut, "cut.warc"))
    assert [type(i).__name__ for i in items] == ["Reject", "Reject"]
    assert items[1] == Reject(
        "cut.warc",
        405,
        schema.REJECT_TRUNCATED,
        "file ends inside a record: 3375 bytes of the record missing",
        "urn:uuid:a96ae1a5-931d-4c45-96f3-98576d155f8b",
    )


def test_not_a_warc_and_missing_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.warc"
    junk.write_text("these are my notes, not a web archive\n", encoding="utf-8")
    (item,) = read_warc(junk, "notes.warc")
    assert (item.reason, item.record) == (schema.REJECT_TRUNCATED, 0)
    assert item.detail.startswith(
        "damaged WARC data at byte 0: Invalid WARC record, first line: these are my notes"
    )
    with pytest.raises(InputError, match=r"gone\.warc\.gz: cannot read"):
        list(read_warc(tmp_path / "gone.warc.gz", "gone.warc.gz"))


def test_multi_record_wet(tmp_path: Path) -> None:
    """A WET file of several conversion records, written like Common Crawl's from the real one."""
    from warcio.warcwriter import WARCWriter

    text = read("commoncrawl_whirlwind.warc.wet.gz")[1].text
    paragraphs = [p for p in text.split("\n") if len(p) > 80][:3]
    path = tmp_path / "three.warc.wet.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, paragraph in enumerate(paragraphs):
            headers = {"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-00000000000{n}>"}
            headers["WARC-Date"] = "2024-05-18T01:58:10Z"
            record = writer.create_warc_record(
                f"https://an.wikipedia.org/wiki/Page_{n}",
                "conversion",
                payload=io.BytesIO(paragraph.encode()),
                warc_content_type="text/plain",
                warc_headers_dict=headers,
            )
            writer.write_record(record)
    items = list(read_warc(path, "three.warc.wet.gz"))
    assert [(i.id, i.url, i.text) for i in items] == [
        (f"urn:uuid:00000000-0000-0000-0000-00000000000{n}", f"https://an.wikipedia.org/wiki/Page_{n}", p)
        for n, p in enumerate(paragraphs)
    ]
    assert items[0].record == 0 and items[0].record < items[1].record < items[2].record


def test_warc_files_through_ingest(tmp_path: Path) -> None:
    (tmp_path / "crawl").mkdir()
    for name in ("dolma_sample-0000.warc.gz", "commoncrawl_whirlwind.warc.wet.gz", "warcio_example.warc.gz"):
        shutil.copy(warc_sample(name), tmp_path / "crawl" / name)
    batches = list(ingest_records(read_inputs(["crawl"], LoaderConfig(), tmp_path)))
    rows = [row for batch in batches for row in batch.table.to_pylist()]
    rejects = collections.Counter(r.reason for batch in batches for r in batch.rejects)
    assert len(rows) == 24  # 22 dolma pages, the WET conversion, the example.com response
    assert rejects == {
        schema.REJECT_SKIPPED_RECORD_TYPE: 29,
        schema.REJECT_SKIPPED_NON_HTML: 2,
        schema.REJECT_SKIPPED_REVISIT: 1,
    }
    assert len(rows) + sum(rejects.values()) == 48 + 2 + 6  # records in the three files
    wet = next(row for row in rows if row["source"] == "crawl/commoncrawl_whirlwind.warc.wet.gz")
    assert (wet["id"], wet["record"], wet["url"]) == (
        "urn:uuid:ba729a40-ff84-4085-8d48-0a5b2ee0c42d",
        466,
        ESCOPETE,
    )


def test_ingest_on_worker_processes_gives_the_same_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HTML extraction and normalization run on the pool, 4 records a call (so 6 calls, which
    # straddle batches); ids, rejects and batch cuts stay in input order.
    monkeypatch.setattr(ingest_module, "PREPARE_CHUNK", 4)
    (tmp_path / "crawl").mkdir()
    for name in ("dolma_sample-0000.warc.gz", "warcio_example.warc.gz"):
        shutil.copy(warc_sample(name), tmp_path / "crawl" / name)

    def batches(ordered_map=map) -> list[tuple[list[dict], list[Reject]]]:
        records = read_inputs(["crawl"], LoaderConfig(), tmp_path)
        return [(b.table.to_pylist(), b.rejects) for b in ingest_records(records, 5, ordered_map)]

    serial = batches()
    with WorkerPool(2) as pool:
        assert batches(pool.map_ordered) == serial
    assert len(serial) == 5 and sum(len(rows) for rows, _ in serial) == 23


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=18856))
def test_any_truncation_is_reported_not_raised(tmp_path_factory: pytest.TempPathFactory, size: int) -> None:
    data = warc_sample("commoncrawl_whirlwind.warc.gz").read_bytes()
    path = tmp_path_factory.mktemp("cut") / "cut.warc.gz"
    path.write_bytes(data[:size])
    items = list(read_warc(path, "cut.warc.gz"))
    complete = read("commoncrawl_whirlwind.warc.gz")
    kept = [i for i in items if not (isinstance(i, Reject) and i.reason == schema.REJECT_TRUNCATED)]
    assert kept == [replace_source(i, "cut.warc.gz") for i in complete[: len(kept)]]
    assert len(items) - len(kept) <= 1


def replace_source(item: Record | Reject, source: str) -> Record | Reject:
    return type(item)(**{**item.__dict__, "source": source})
