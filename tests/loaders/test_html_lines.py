"""Visible lines of HTML pages and their share in the extracted main text."""

from __future__ import annotations

import gzip
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit.loaders.html_lines import _tokens, main_text_shares, visible_lines
from tests.conftest import shared_data


def test_blocks_and_br_break_lines_inline_elements_do_not() -> None:
    page = (
        "<html><head><title>Title</title><style>p {}</style></head><body>"
        "<div>Home <a href='/'>News</a> <b>Sport</b></div><p>First line<br>second\n  line</p>"
        "<ul><li>one</li><li>two&nbsp;&nbsp;items</li></ul><script>var x = 1;</script>tail"
        "<!-- a comment --></body></html>"
    )
    assert visible_lines(page) == ["Home News Sport", "First line", "second line", "one", "two items", "tail"]


def test_noscript_content_is_read_when_the_page_gives_too_little() -> None:
    page = "<html><body><noscript><p>Only</p><p>in</p><p>noscript</p></noscript><p>x</p></body></html>"
    assert visible_lines(page) == ["Only", "in", "noscript", "x"]
    assert visible_lines("<html><body></body></html>") == []
    assert visible_lines("   ") == []


def test_reproduces_the_naive_text_of_the_evaluation_pages() -> None:
    """The cleaner learned from the evaluation data's naive lines: the HTML path must make the same."""
    same = total = 0
    for source in ("cleaneval", "dragnet", "l3s_gn1", "scrapinghub_aeb", "trafilatura_eval"):
        with gzip.open(
            shared_data("data", "boilerplate", f"{source}.jsonl.gz"), "rt", encoding="utf-8"
        ) as fh:
            for line in fh:
                page = json.loads(line)
                total += 1
                same += visible_lines(page["html"]) == page["naive_lines"]
    assert total > 1_000
    assert same / total >= 0.98


def test_shares_follow_the_main_text_in_order() -> None:
    lines = ["News", "Sport", "The news of the day is good.", "Read more news", "Comments (2)"]
    shares = main_text_shares(lines, "The news of the day is good.")
    # "News" and "news" of the menu and the teaser are not the article's, though the words match.
    assert shares == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert main_text_shares(lines, None) == [0.0] * 5
    assert main_text_shares(["Half of it", "", "—"], "half") == [1 / 3, 0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcpdivbrhtmlbody&;#x0\n\x00\ufeff")), max_size=400))
def test_visible_lines_never_raise(page: str) -> None:
    lines = visible_lines(page)
    assert all(line and line == line.strip() and "\n" not in line for line in lines)


def test_long_stretches_without_anchors_take_linear_time() -> None:
    """A huge page whose main text is one paragraph matching no line: no quadratic alignment."""
    words = [f"w{i % 997}" for i in range(60_000)]
    lines = [" ".join(words[k : k + 10]) for k in range(0, len(words), 10)] + ["", "—"]
    kept = lines[: len(lines) // 2]
    shares = main_text_shares(lines, " ".join(kept) + " tail")
    assert shares[: len(kept)] == [1.0] * len(kept)
    assert shares[-2:] == [0.0, 0.0]


def test_anchored_paragraphs_align_whole_lines_and_the_gaps_between() -> None:
    lines = [
        "Home",
        "A first paragraph of the article text.",
        "menu word",
        "It goes on.",
        "A first paragraph",
    ]
    main = "A first paragraph of the article text.\nIt goes on."
    assert main_text_shares(lines, main) == [0.0, 1.0, 0.0, 1.0, 0.0]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list("ab c.\u00e9\u4e00")), max_size=30), max_size=30),
    st.data(),
)
def test_shares_are_fractions_and_the_whole_text_is_all_kept(lines: list[str], data: st.DataObject) -> None:
    every = main_text_shares(lines, "\n".join(lines))
    assert every == [1.0 if _tokens(line) else 0.0 for line in lines]
    kept = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    some = main_text_shares(lines, "\n".join(line for line, k in zip(lines, kept, strict=True) if k))
    assert len(some) == len(lines) and all(0.0 <= share <= 1.0 for share in some)
