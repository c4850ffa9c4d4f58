"""The vectorised line features equal their plain definitions, on any text (Hypothesis)."""

from __future__ import annotations

import itertools
import re

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus_kit.stages import line_features as lf

# Words that begin furniture and date matches, in odd cases ("ſ", "ı", "İ", "K" fold differently
# from their lower-case forms), and text around them.
FRAGMENTS = (
    "share", "Share", "ſhare", "İmage", "IMAGE", "ımage", "log in", "login", "Log", "e-mail", "E-Mail",
    "email", "sign up", "Sign", "advertising", "Rights Reserved", "Skip", "more", "about us",
    "İniciar sesión", "Sep. 3, 2020", "ſep 3, 2020", "Jan 12 1999", "JANUARY 5, 2001", "12:30", "3.4.2021",
    "2021-03-04", "1-2", "1 - 2", "٣:٤٥", "²:³", "a", "the", "news", "is", "of", "Kelvin", "K", "\u0307", ".",
    "-", ":", "|", "9", "read more", "Read", "back to top", "AP Photo", "e", "advertisers", "de", "la",
    "und", "Die", "ÜBER", "123", "x1", "/", "2020", "©", "Copyright", "COPYRIGHTED", "copy right",
    "cookie", "Cookies", "cookiess", "comment", "Kommentare", "kommentar", "topic", "Tags", "signup",
    "ADVERTISEMENT", "advert", "- item", "12) step", "[3] note", "•", "1234. no",
)  # fmt: skip

lines = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map(
    lambda parts: " ".join(parts) if len(parts) % 2 else "".join(parts)
)
pages = st.lists(st.lists(lines, min_size=1, max_size=6), min_size=1, max_size=4)


# The date feature's definition, as one regex; the package splits it for speed.
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})",
    re.IGNORECASE,
)


def _overlap(page_lines: list[list[str]], reach: int = 3) -> list[float]:
    """The neighbour overlap of every line, as the feature defines it, page by page."""
    best: list[float] = []
    for page in page_lines:
        sets = [frozenset(w.lower() for w in re.findall(r"\w+", line)) for line in page]
        for i, words in enumerate(sets):
            shares = [
                len(words & sets[j]) / min(len(words), len(sets[j]))
                for j in range(max(0, i - reach), min(len(sets), i + reach + 1))
                if j != i and len(words) >= 3 and len(sets[j]) >= 3
            ]
            best.append(max(shares, default=0.0))
    return best


def _stopword_shares(page_lines: list[list[str]]) -> list[float]:
    """Each line's share of words in its page's stopword list: the list holding most of the page's
    words, the first in sorted order on a tie."""
    shares: list[float] = []
    lists = sorted(lf.stopwords().items())
    for page in page_lines:
        words = [[w.lower() for w in re.findall(r"\w+", line)] for line in page]
        covered = [sum(w in stop for line in words for w in line) for _, stop in lists]
        stop = lists[covered.index(max(covered))][1]
        shares += [sum(w in stop for w in line) / len(line) if line else 0.0 for line in words]
    return shares


@settings(max_examples=300, deadline=None)
@given(pages)
def test_line_columns_match_their_definitions(page_lines: list[list[str]]) -> None:
    features = lf.batch_line_features(page_lines, [None] * len(page_lines))
    flat = [line for page in page_lines for line in page]
    column = {name: features[:, i] for i, name in enumerate(lf.LINE_FEATURES)}
    assert column["n_furniture"].tolist() == [len(lf._FURNITURE.findall(line)) for line in flat]
    assert column["has_date"].tolist() == [float(_DATE.search(line) is not None) for line in flat]
    assert column["neighbour_overlap"].tolist() == np.float32(_overlap(page_lines)).tolist()
    assert column["has_copyright"].tolist() == [
        float("©" in line or "copyright" in line.lower()) for line in flat
    ]
    assert column["stopword_share"].tolist() == np.float32(_stopword_shares(page_lines)).tolist()
    assert column["starts_bullet"].tolist() == [float(lf._BULLET.match(line) is not None) for line in flat]


# Any text but the newline between lines, plus lone surrogates and characters beyond the BMP,
# whose UTF-8 lengths differ.
text_lines = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_characters="\n"), max_size=12),
        st.sampled_from(["\ud800", "𝐀b", "x_1"]),
    ),
    min_size=1,
    max_size=4,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(text_lines, min_size=1, max_size=8))
def test_words_are_the_lower_cased_regex_words_of_each_line(lines: list[str]) -> None:
    words = lf._words(lf._joined(lines))
    vocab = words.vocab.to_pylist()
    found = [[vocab[i] for i in words.ids[start:end]] for start, end in itertools.pairwise(words.bounds)]
    assert found == [[word.lower() for word in re.findall(r"\w+", line)] for line in lines]
    assert words.line.tolist() == [i for i, line in enumerate(found) for _ in line]


def test_odd_cases_still_count() -> None:
    lines = ["İMAGE ſhare", "ſep 3, 2020 at noon", "Photo by Reuters, all rights reserved"]
    features = lf.line_features(lines)
    column = {name: features[:, i] for i, name in enumerate(lf.LINE_FEATURES)}
    assert column["n_furniture"].tolist() == [2.0, 0.0, 3.0]
    assert column["has_date"].tolist() == [0.0, 1.0, 0.0]


def _word_marks(word: str) -> int:
    """The marks of one lower-cased word, word by word as `_vocab_marks` defines them."""
    if any(odd in word for odd in "\u0307ıſ"):
        return lf._FURNITURE_WORD | lf._MONTH_WORD
    if word in lf._FURNITURE_HEADS:
        furniture = lf._FURNITURE_WORD
    else:
        furniture = lf._FURNITURE_ALONE * (lf._FURNITURE.fullmatch(word) is not None)
    return furniture | lf._MONTH_WORD * word.startswith(lf._MONTHS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), text_lines), max_size=12))
def test_vocabulary_marks_match_the_word_by_word_definition(parts: list[str]) -> None:
    words = lf._words(lf._joined(parts or [""]))
    vocab = words.vocab.to_pylist()
    assert lf._vocab_marks(words.vocab).tolist() == [_word_marks(word) for word in vocab]


def _slug_columns(page_lines: list[list[str]], urls: list[str | None]) -> tuple[list[float], list[float]]:
    """Each line's share of its page's slug words it has, and share of its words in the slug."""
    cover: list[float] = []
    share: list[float] = []
    for page, url in zip(page_lines, urls, strict=True):
        path = (url or "").split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0].lower()
        slug = {word for word in re.findall(r"[^\W\d_]+", path) if len(word) > 2}
        for line in page:
            words = [w.lower() for w in re.findall(r"\w+", line)]
            if len(slug) < 2:
                cover.append(-1.0)
                share.append(-1.0)
                continue
            cover.append(len(slug & set(words)) / len(slug))
            share.append(sum(w in slug for w in words) / len(words) if words else 0.0)
    return cover, share


slug_urls = st.one_of(
    st.none(),
    st.lists(
        st.sampled_from(
            ["share", "news", "the", "read", "more", "login", "x1", "über", "die", "ab", "a2bcd"]
        ),
        max_size=4,
    ).map(lambda words: "https://example.org/2024/" + "-".join(words) + ".html?id=7"),
)


@settings(max_examples=300, deadline=None)
@given(pages.flatmap(lambda p: st.tuples(st.just(p), st.lists(slug_urls, min_size=len(p), max_size=len(p)))))
@example(([["/"]], ["https://example.org/2024/share.html?id=7"]))  # a batch without any word
def test_slug_features_match_their_definition(case: tuple[list[list[str]], list[str | None]]) -> None:
    page_lines, urls = case
    features = lf.batch_line_features(page_lines, urls)
    cover, share = _slug_columns(page_lines, urls)
    assert features[:, lf.LINE_FEATURES.index("slug_cover")].tolist() == np.float32(cover).tolist()
    assert features[:, lf.LINE_FEATURES.index("slug_share")].tolist() == np.float32(share).tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(0.0, 1e6, allow_subnormal=False), min_size=1, max_size=60),
        min_size=1,
        max_size=12,
    )
)
def test_page_cumsums_are_each_page_summed_alone(values: list[list[float]]) -> None:
    # Few pages of similar length take the grid, one long page among short ones the page loop; the
    # values are non-negative, as every column the features sum (no -0.0, whose sign sums can drop).
    pages = lf._pages([["x"] * len(page) for page in values])
    got = lf._cumsums(np.array([v for page in values for v in page]), pages)
    alone = [np.concatenate(([0.0], np.cumsum(page))) for page in values]
    assert got.tobytes() == np.concatenate(alone).tobytes()
