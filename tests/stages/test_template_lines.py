"""Tests of cross-document template lines (per-site line counts, merge, removal)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import BoilerplateConfig
from corpus_kit.stages.boilerplate import clean_table, remove_boilerplate
from corpus_kit.stages.normalize import normalize_text
from corpus_kit.stages.template_lines import (
    TEMPLATE_COUNTS,
    TemplateLines,
    count_template_lines,
    merge_template_counts,
    site_of,
)


def hash_line(line: str) -> int:
    """The template-line hash of one line, as `hash_lines` defines it: xxh3 of its UTF-8, seed 0."""
    return xxhash.xxh3_64_intdigest(line.encode("utf-8"))


SEEDS = Path(__file__).resolve().parents[2] / "seeds"
# Small sites: the tests use 4 pages per site, so a line on 3 of them is a template line. The corpus
# has only 8 pages, so the corpus-wide rule is off here except where a test turns it on.
CFG = BoilerplateConfig(template_min_docs=3, template_min_share_corpus=1.0)
# Lines cut from the seeds: a site's furniture and a paragraph of one article.
MENU = "Day In a Page"
PROMO = "Start your day with The Independent, sign up for daily news emails"
QUOTE = (
    "\"We've been very clear with the highest levels of the Government of Pakistan that Pakistan has "
    'to target all militant groups," Kerry said on Tuesday, January 13.'
)


def article(n: int) -> str:
    """A different real paragraph for each page, from seed 000."""
    text = normalize_text((SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8"))
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    return paragraphs[n]


def site_table() -> pa.Table:
    """Four pages of one site sharing a menu and a promo line; four unrelated sites quoting one line."""
    texts = [f"{MENU}\n\n{article(n)}\n\n{PROMO}" for n in range(4)]
    urls = [f"https://www.independent.co.uk/news/{n}.html" for n in range(4)]
    texts += [f"{article(n + 4)}\n\n{QUOTE}" for n in range(4)]
    urls += [f"https://site{n}.example.org/a.html" for n in range(4)]
    return pa.table({"id": [str(n) for n in range(8)], "text": texts, "url": urls})


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(
            [
                "http",
                "https",
                "HTTP",
                "://",
                "www.",
                "Example",
                "a-b",
                ".",
                "com",
                ":8080",
                "@",
                "/",
                "?",
                "#",
                "\\",
                " ",
                "\t",
                "[::1]",
                "é",
                "x",
            ]
        ),
        max_size=10,
    ).map("".join)
)
def test_site_of_is_the_lower_cased_host_urlsplit_reads(url: str) -> None:
    try:
        host = (urlsplit(url).hostname or "").lower() if url else ""
    except ValueError:  # e.g. an unclosed "[": site_of fails the same way
        with pytest.raises(ValueError):
            site_of(url, None)
        return
    assert site_of(url, None) == (host.removeprefix("www.") if host else "")


def test_site_of() -> None:
    assert site_of("https://www.Example.com:8080/a/b?c", "x/y.txt") == "example.com"
    assert site_of(None, "crawl/site-a/page.txt") == "dir:crawl/site-a"
    assert site_of("", "page.txt") == "dir:"
    assert site_of(None, None) == ""


def test_counts_per_site() -> None:
    counts = count_template_lines(site_table(), CFG)
    assert counts.schema == TEMPLATE_COUNTS
    rows = {(r["site"], r["line_hash"]): r["n_docs"] for r in counts.to_pylist()}
    assert rows[("independent.co.uk", None)] == 4
    assert rows[("independent.co.uk", hash_line(MENU))] == 4
    assert rows[("site0.example.org", hash_line(QUOTE))] == 1
    # Five site totals; menu, promo and four articles on one site; an article and the quote on four.
    assert len(rows) == 5 + 6 + 4 * 2


def test_template_lines_are_per_site_and_quotes_are_not_templates() -> None:
    templates = merge_template_counts([count_template_lines(site_table(), CFG)], CFG)
    assert templates.sites == {"independent.co.uk": frozenset({hash_line(MENU), hash_line(PROMO)})}
    assert templates.for_site("site0.example.org") == frozenset()
    assert len(templates) == 2


def test_lines_on_a_share_of_the_whole_corpus_are_templates_everywhere() -> None:
    counts = count_template_lines(site_table(), CFG)
    # The quote is on 4 of the 8 pages, each of another site: half the corpus (so are menu and promo).
    wide = merge_template_counts([counts], replace(CFG, template_min_share_corpus=0.5))
    assert wide.everywhere == frozenset({hash_line(QUOTE), hash_line(MENU), hash_line(PROMO)})
    assert wide.for_site("site0.example.org") == wide.everywhere
    assert hash_line(MENU) in wide.for_site("independent.co.uk")
    assert (
        merge_template_counts([counts], replace(CFG, template_min_share_corpus=0.6)).everywhere == frozenset()
    )


def test_merging_batches_equals_counting_all() -> None:
    table = site_table()
    whole = merge_template_counts([count_template_lines(table, CFG)], CFG)
    parts = [count_template_lines(table.slice(start, 3), CFG) for start in range(0, table.num_rows, 3)]
    assert merge_template_counts(parts, CFG) == whole


def test_min_docs_and_min_share() -> None:
    counts = count_template_lines(site_table(), CFG)
    assert merge_template_counts([counts], BoilerplateConfig(template_min_docs=5)).sites == {}
    # 4 of 4 pages is not below a 100 % share, so the lines stay template lines.
    strict = merge_template_counts([counts], BoilerplateConfig(template_min_docs=3, template_min_share=1.0))
    assert set(strict.sites) == {"independent.co.uk"}


def test_remove_boilerplate_applies_template_lines() -> None:
    table = site_table()
    templates = merge_template_counts([count_template_lines(table, CFG)], CFG)
    out = remove_boilerplate(table, CFG, templates).to_pylist()
    first = out[0]
    assert first["text"] == article(0)
    reasons = {r["text"]: (r["line"], r["reason"], r["score"]) for r in first["removed_lines"]}
    assert reasons[MENU] == (0, schema.LINE_TEMPLATE, None)
    assert reasons[PROMO] == (4, schema.LINE_TEMPLATE, None)
    # The quote is on four sites, once each: it is never a template line.
    assert all(r["reason"] != schema.LINE_TEMPLATE for row in out[4:] for r in row["removed_lines"])
    assert clean_table(table, CFG).equals(remove_boilerplate(table, CFG, templates))


def test_classifier_scores_a_page_without_its_template_lines() -> None:
    # A seed page whose first ten lines (its navigation) are template lines of its site.
    text = normalize_text((SEEDS / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8"))
    lines = text.split("\n")
    template = [n for n, line in enumerate(lines) if line.strip()][:10]
    url = "https://www.independent.co.uk/news/world/a.html"
    templates = TemplateLines({"independent.co.uk": frozenset(hash_line(lines[n]) for n in template)})
    page = remove_boilerplate(pa.table({"text": [text], "url": [url]}), CFG, templates).to_pylist()[0]
    rest = "\n".join(line for n, line in enumerate(lines) if n not in template)
    alone = remove_boilerplate(pa.table({"text": [rest], "url": [url]}), CFG).to_pylist()[0]
    # The rest of the page is cleaned exactly as if the template lines were not there at all.
    assert page["text"] == alone["text"]
    scored = [
        (r["text"], r["reason"], r["score"]) for r in page["removed_lines"] if r["line"] not in template
    ]
    assert scored == [(r["text"], r["reason"], r["score"]) for r in alone["removed_lines"]]
    assert [(r["line"], r["reason"]) for r in page["removed_lines"] if r["line"] in template] == [
        (n, schema.LINE_TEMPLATE) for n in template
    ]
    assert [r["line"] for r in page["removed_lines"]] == sorted(r["line"] for r in page["removed_lines"])


def test_source_folder_is_the_site_without_url() -> None:
    sources = ["site-a/1.txt", "site-a/2.txt", "site-a/3.txt", "site-a/4.txt"] + ["site-b/1.txt"] * 4
    table = site_table().drop_columns(["url"]).append_column("source", pa.array(sources))
    templates = merge_template_counts([count_template_lines(table, CFG)], CFG)
    assert templates.sites == {
        "dir:site-a": frozenset({hash_line(MENU), hash_line(PROMO)}),
        # Without URLs, the four quoting pages share one folder, so the quote is that folder's template.
        "dir:site-b": frozenset({hash_line(QUOTE)}),
    }


def test_empty_templates_change_nothing() -> None:
    table = site_table()
    assert remove_boilerplate(table, CFG, TemplateLines()).equals(remove_boilerplate(table, CFG))


@pytest.mark.parametrize("key", ["template_min_docs", "template_min_share"])
def test_template_config_is_validated(key: str) -> None:
    from corpus_kit.errors import ConfigError

    with pytest.raises(ConfigError, match=key):
        BoilerplateConfig(**{key: -1})


def _merged_by_definition(counts: list[pa.Table], cfg: BoilerplateConfig) -> TemplateLines:
    """`merge_template_counts` as its docstring defines it, one (site, line) at a time."""
    totals: dict[tuple[str, int | None], int] = {}
    for table in counts:
        for row in table.to_pylist():
            key = (row["site"], row["line_hash"])
            totals[key] = totals.get(key, 0) + row["n_docs"]
    documents = sum(n for (_, line), n in totals.items() if line is None)
    sites: dict[str, set[int]] = {}
    corpus: dict[int, int] = {}
    for (site, line), n in totals.items():
        if line is not None:
            corpus[line] = corpus.get(line, 0) + n
            if n >= max(cfg.template_min_docs, cfg.template_min_share * totals[(site, None)]):
                sites.setdefault(site, set()).add(line)
    wide = max(cfg.template_min_docs, cfg.template_min_share_corpus * documents)
    return TemplateLines(
        {site: frozenset(lines) for site, lines in sorted(sites.items())},
        frozenset(line for line, n in corpus.items() if n >= wide),
    )


@settings(max_examples=60, deadline=None)
@given(
    pages=st.lists(
        st.tuples(st.sampled_from(["a.org", "b.org", "c.org"]), st.lists(st.integers(0, 7), max_size=6)),
        max_size=40,
    ),
    batch=st.integers(1, 9),
    min_docs=st.integers(2, 5),
    share=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    share_corpus=st.sampled_from([0.05, 0.2, 0.5, 1.0]),
)
def test_merge_follows_its_definition(
    pages: list[tuple[str, list[int]]], batch: int, min_docs: int, share: float, share_corpus: float
) -> None:
    # Pages of three sites made of lines drawn from eight, counted in batches of `batch` pages.
    texts = ["\n".join(f"line number {n} of the shared furniture" for n in lines) for _, lines in pages]
    table = pa.table({"text": pa.array(texts, pa.string()), "url": [f"https://{s}/p" for s, _ in pages]})
    cfg = BoilerplateConfig(
        template_min_docs=min_docs, template_min_share=share, template_min_share_corpus=share_corpus
    )
    counts = [count_template_lines(table.slice(i, batch), cfg) for i in range(0, len(pages), batch)]
    assert merge_template_counts(counts, cfg) == _merged_by_definition(counts, cfg)


def _counted_by_definition(table: pa.Table, cfg: BoilerplateConfig) -> list[tuple[str, int | None, int]]:
    """`count_template_lines` as its docstring defines it: (site, line hash or None, documents)."""
    counts: dict[tuple[str, int | None], int] = {}
    for row in table.to_pylist():
        site = site_of(row.get("url"), row.get("source"))
        counts[(site, None)] = counts.get((site, None), 0) + 1
        for line in {
            hash_line(x) for x in row["text"].split("\n") if len(x.strip()) >= cfg.template_min_chars
        }:
            counts[(site, line)] = counts.get((site, line), 0) + 1
    keys = sorted(counts, key=lambda key: (key[0], -1 if key[1] is None else key[1]))
    return [(site, line, counts[(site, line)]) for site, line in keys]


@settings(max_examples=60, deadline=None)
@given(
    pages=st.lists(
        st.tuples(
            st.sampled_from(["a.org", "b.org", None]),
            st.lists(
                st.sampled_from(["", " ", "short", "a line of the shared furniture", "é ü"]), max_size=6
            ),
        ),
        max_size=30,
    ),
    min_chars=st.integers(1, 12),
)
def test_counts_follow_their_definition(pages: list[tuple[str | None, list[str]]], min_chars: int) -> None:
    table = pa.table(
        {
            "text": pa.array(["\n".join(lines) for _, lines in pages], pa.string()),
            "url": pa.array([f"https://{s}/p" if s else None for s, _ in pages], pa.string()),
            "source": pa.array([f"folder-{i % 2}/page.txt" for i in range(len(pages))], pa.string()),
        }
    )
    cfg = BoilerplateConfig(template_min_chars=min_chars)
    counted = count_template_lines(table, cfg)
    assert counted.schema == TEMPLATE_COUNTS
    rows = [(r["site"], r["line_hash"], r["n_docs"]) for r in counted.to_pylist()]
    assert rows == _counted_by_definition(table, cfg)
