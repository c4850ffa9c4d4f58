"""HTML loader: decoding, title and canonical URL, trafilatura main text, rejects."""

from __future__ import annotations

import collections
import gzip
import json
import logging
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import BoilerplateConfig, LoaderConfig
from corpus_kit.errors import InputError
from corpus_kit.ingest import ingest_records
from corpus_kit.loaders import read_inputs
from corpus_kit.loaders.base import Record, Reject
from corpus_kit.loaders.html import (
    canonical_url,
    declared_charset,
    decode_html,
    extract_main_text,
    flatten_tables,
    page_title,
    read_html_file,
)
from corpus_kit.stages.boilerplate import clean_table
from tests.conftest import SEEDS, shared_data

# Two paragraphs of seeds/001 (a DW interview), as the body of a small hand-made page.
SEED_PARAGRAPHS = (SEEDS / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8").split("\n\n")
BODY = [p for p in SEED_PARAGRAPHS if len(p) > 300][:2]
MAIN_TEXT = ["An important ally", *BODY]  # the heading is part of trafilatura's main text
PAGE = (
    "<!DOCTYPE html><html><head><meta charset='windows-1252'>"
    "<title>An important ally &amp; a  rival</title>"
    '<link rel="canonical" href="https://www.dw.com/en/an-important-ally/a-18189410">'
    "</head><body><nav><ul><li><a href='/'>Skip to content</a></li>"
    "<li><a href='/m'>Skip to main menu</a></li>"
    "</ul></nav><article><h1>An important ally</h1>"
    + "".join(f"<p>{p}</p>" for p in BODY)
    + "</article><footer><p>© 2015 Deutsche Welle | Legal notice | Contact</p></footer></body></html>"
)
TOKEN = re.compile(r"\w+")


def tokens(text: str) -> collections.Counter:
    return collections.Counter(t.lower() for t in TOKEN.findall(text))


def evaluation_page(source: str, url: str) -> dict:
    path = shared_data("data", "boilerplate", f"{source}.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            page = json.loads(line)
            if page["url"] == url:
                return page
    raise AssertionError(f"{url} not in {path}")


def test_decode_prefers_bom_then_utf8_then_declaration() -> None:
    text = "Café – 10 €"
    assert decode_html(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode_html("\ufeff<p>Ωmega</p>".encode("utf-16-le")) == "<p>Ωmega</p>"
    # Valid UTF-8 wins over a wrong declaration.
    assert decode_html(b'<meta charset="iso-8859-1">' + text.encode()) == '<meta charset="iso-8859-1">' + text
    cp1251 = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Привет'
    assert decode_html(cp1251.encode("cp1251")) == cp1251
    # ISO-8859-1 is read as cp1252 (WHATWG), so 0x80 is the euro sign.
    assert decode_html(b"<meta charset=ISO-8859-1>caf\xe9 \x80") == "<meta charset=ISO-8859-1>caf\xe9 €"
    assert decode_html(b"<p>Gr\xfc\xdfe</p>", http_charset="latin-1") == "<p>Grüße</p>"
    # No declaration, not UTF-8: cp1252; its five undefined bytes become U+FFFD.
    assert decode_html(b"na\xefve \x81") == "naïve \ufffd"


def test_declared_charset_reads_meta_and_xml_and_ignores_unknown() -> None:
    assert declared_charset(b'<?xml version="1.0" encoding="Shift_JIS"?><html>') == "cp932"
    assert declared_charset(b"<meta charset=gb2312>") == "gb18030"
    assert declared_charset(b"<meta charset=x-unknown-thing>") is None
    assert declared_charset(b"<meta charset=utf-16>") is None  # a BOM-less page saying UTF-16 is mislabelled
    assert declared_charset(b" " * 9000 + b"<meta charset=koi8-r>") is None  # only the first 8 KiB count


def test_title_and_canonical_url() -> None:
    assert page_title(PAGE) == "An important ally & a rival"
    assert canonical_url(PAGE) == "https://www.dw.com/en/an-important-ally/a-18189410"
    assert canonical_url('<meta property="og:url" content="https://example.org/a?b=1&amp;c=2">') == (
        "https://example.org/a?b=1&c=2"
    )
    assert canonical_url('<link rel="canonical" href="/relative/path">') is None
    assert page_title("<html><body>no title</body></html>") is None


def test_extract_main_text_keeps_article_and_drops_navigation() -> None:
    text = extract_main_text(PAGE, "https://www.dw.com/en/an-important-ally/a-18189410")
    assert text is not None
    assert text.split("\n") == MAIN_TEXT
    assert extract_main_text(PAGE) == text  # deterministic, the URL does not change the text


def test_extract_main_text_returns_none_without_content() -> None:
    assert extract_main_text("") is None
    assert extract_main_text("   \n") is None
    assert extract_main_text("<html><head><script>var a = 1;</script></head><body></body></html>") is None


def test_extract_main_text_on_a_real_page_matches_the_human_text() -> None:
    page = evaluation_page(
        "scrapinghub_aeb",
        "https://www.latimes.com/entertainment-arts/business/story/2019-11-19/disney-plus-kevin-mayer",
    )
    text = extract_main_text(page["html"], page["url"])
    assert text is not None
    assert text.startswith("Walt Disney Co. executive Kevin Mayer said overwhelming demand")
    gt, got = tokens(page["gt_text"]), tokens(text)
    assert sum((gt & got).values()) == sum(gt.values())  # every word of the human text is found
    assert sum((got - gt).values()) == 0  # and nothing else


def test_table_rows_become_one_line_per_cell() -> None:
    rows = "Intro.\n|  |  |  |\n| Cell one \\| with a pipe | Cell two. |\n|---|---|\n| Česky\t\nEnd."
    assert flatten_tables(rows) == "Intro.\nCell one | with a pipe\nCell two.\nČesky\nEnd."
    # A CleanEval page laid out in a table: its article is one cell, not a `| ... |` row.
    page = evaluation_page("cleaneval", "http://apodion.com/vad/article.php?id=27&aid=126")
    text = extract_main_text(page["html"], page["url"])
    assert text is not None and "\n" not in text
    assert text.startswith('Some VERY interesting information on 666 From: "Ragnar Redbeard"')


def test_read_html_file_decodes_declared_charset(tmp_path: Path) -> None:
    path = tmp_path / "ally.html"
    path.write_bytes(PAGE.encode("cp1252"))
    (record,) = read_html_file(path, "pages/ally.html")
    assert record == Record(
        source="pages/ally.html",
        record=0,
        text=None,
        url="https://www.dw.com/en/an-important-ally/a-18189410",
        title="An important ally & a rival",
        html=PAGE,
    )


def test_read_html_file_rejects_empty_and_binary(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b" \n\t")
    (tmp_path / "image.htm").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert list(read_html_file(tmp_path / "empty.html", "empty.html")) == [
        Reject("empty.html", 0, schema.REJECT_EMPTY, "file is empty or only whitespace")
    ]
    assert list(read_html_file(tmp_path / "image.htm", "image.htm")) == [
        Reject("image.htm", 0, schema.REJECT_BINARY, "NUL byte at offset 8")
    ]
    with pytest.raises(InputError, match=r"missing\.html: cannot read"):
        list(read_html_file(tmp_path / "missing.html", "missing.html"))


def test_html_files_through_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "web"
    (folder / "news").mkdir(parents=True)
    (folder / "news" / "ally.html").write_bytes(PAGE.encode("cp1252"))
    (folder / "news" / "blank.htm").write_text(
        "<html><body><script>x()</script></body></html>", encoding="utf-8"
    )
    (batch,) = ingest_records(read_inputs(["web"], LoaderConfig(), tmp_path))
    # All visible lines; trafilatura's main text is their shares, for the cleaner's HTML model.
    footer = "© 2015 Deutsche Welle | Legal notice | Contact"
    assert batch.table.to_pylist() == [
        {
            "id": "news/ally",
            "text": "\n".join(["Skip to content", "Skip to main menu", *MAIN_TEXT, footer]),
            "source": "web/news/ally.html",
            "record": 0,
            "url": "https://www.dw.com/en/an-important-ally/a-18189410",
            "title": "An important ally & a rival",
            "main_text_share": [0.0, 0.0, 1.0, 1.0, 1.0, 0.0],
        }
    ]
    cleaned = clean_table(batch.table, BoilerplateConfig()).to_pylist()[0]
    assert cleaned["text"] == "\n".join(MAIN_TEXT)
    assert [(line["line"], line["text"]) for line in cleaned["removed_lines"]] == [
        (0, "Skip to content"),
        (1, "Skip to main menu"),
        (5, footer),
    ]
    assert [(r.source, r.reason, r.id) for r in batch.rejects] == [
        ("web/news/blank.htm", schema.REJECT_NO_CONTENT, "news/blank")
    ]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_decode_html_never_raises(data: bytes) -> None:
    assert isinstance(decode_html(data), str)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcpdivhtmlbody&;#x0\n\x00\ufeff")), max_size=400))
def test_extract_main_text_never_raises(html: str) -> None:
    result = extract_main_text(html)
    assert result is None or result.strip()


def test_pages_trafilatura_finds_nothing_in_log_no_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """A page trafilatura cannot parse (CleanEval's `<text>` wrapper) or finds no text in gives None,
    said once at debug level by corpus-kit, not as trafilatura's errors; its level is restored."""
    pages = ['<text id="x">\n<table><tr><td>Hello there, friend.</td></tr></table></text>', "<p></p>"]
    with caplog.at_level(logging.DEBUG):
        assert [extract_main_text(page, "http://example.com/a") for page in pages] == [None, None]
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [r.getMessage() for r in caplog.records if r.name.startswith("corpus_kit")] == [
        "trafilatura found no main text in http://example.com/a"
    ] * 2
    assert logging.getLogger("trafilatura").level == logging.NOTSET
