"""Numeric features of the lines of one page, for the boilerplate line classifier.

Features come in two passes. `line_features` describes each non-blank line by itself and by its
neighbourhood (shape, punctuation, stopwords, position, runs of long lines, repetition).
`context_features` adds, for the second pass, the first-pass probabilities of the neighbours and
whether the line lies inside the page's densest content region: boilerplate comes in blocks, so
a line's neighbours say a lot about it. Both return float32 arrays with one row per line; the
column order is the model's input order and is listed in `LINE_FEATURES` and `CONTEXT_FEATURES`.

`batch_line_features` and `batch_context_features` compute the rows of many pages at once, so
that each NumPy call and regex scan serves thousands of lines instead of one page's few dozen.
Every page's rows are bit for bit those it gets alone: nothing crosses a page boundary, and float
sums are taken per page in the same order (see `_cumsums`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import chain, pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_kit.stages.code_points import char_classes, lower, slices, utf8_of

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
_TERMINAL_CODES = np.array([ord(char) for char in ".!?\"'”’»。！？"])
_BULLET = re.compile(r"^(?:[-*•·›»>|]|\d{1,3}[.)]|\[\d+\])\s")
# What a `_BULLET` match starts with: one of these, or a digit.
_BULLET_STARTS = np.array([ord(char) for char in "-*•·›»>|["])
_SEPARATORS = re.compile(r"\s[|·•/»>›–-]\s")
# A line has a URL or e-mail address when `https?://|www\.|\w@\w|\.(?:com|org|net|html?)\b`
# (ignoring case) matches in it. These three patterns match where one of its four branches does,
# but each starts with a literal character, which the regex engine finds fast.
_URL_PARTS = (
    re.compile(r"://(?:(?<=https://)|(?<=http://))", re.IGNORECASE),
    re.compile(r"\.(?:(?<=www\.)|(?:com|org|net|html?)\b)", re.IGNORECASE),
    re.compile(r"@(?<=\w@)\w"),
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# A line has a date when `\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|
# (?:jan|feb|…)[a-z]*\.? \d{1,2},? \d{4})` (ignoring case) matches in it, in two parts: the numeric
# forms start at their first separator (a character the regex engine jumps between) and look
# behind for the digits before it; the month-name form is searched only in lines with a month word.
_NUMERIC_DATE = re.compile(
    r"[./:-](?:(?<=(?<!\w)\d[./-])\d{1,2}[./-]\d{2,4}|(?<=(?<!\w)\d\d[./-])\d{1,2}[./-]\d{2,4}|"
    r"(?<=(?<!\w)\d{4}-)\d{2}-\d{2}|(?<=(?<!\w)\d:)\d{2}|(?<=(?<!\w)\d\d:)\d{2})"
)
# The lookahead only lists the characters a match can start with: it changes no match, but lets
# the scan give up early at most positions.
_MONTH_DATE = re.compile(
    rf"\b(?=[jfmasond])(?:{'|'.join(_MONTHS)})[a-z]*\.? \d{{1,2}},? \d{{4}}", re.IGNORECASE
)
# Every numeric date has a digit, one of these, and a digit in a row.
_DATE_SEPARATORS = np.array([ord(char) for char in "./-:"])
# Words that are frequent in page furniture of many languages (menus, share bars, legal lines).
_FURNITURE_TERMS = (
    "share", "tweet", "facebook", "twitter", "linkedin", "whatsapp", "pinterest", "instagram", "youtube",
    "e-?mail", "print", "log ?in", "sign (?:in|up)", "subscribe", "newsletter", "register", "cookies?",
    "privacy", "terms", "copyright", "rights reserved", r"advertis\w*", "sponsored", "comments?", "reply",
    "read more", "more", "related", "popular", "trending", "home", "menu", "search", "contact", "about us",
    "skip", "next", "previous", "prev", "back to top", "follow", "photo", "image", "credit", "getty",
    "reuters", "ap photo", "click", "download", "app", "tags?", "topics?", "category", "categories",
    "posted", "anmelden", "teilen", "datenschutz", "impressum", "kommentare?", "weiterlesen", "partager",
    "connexion", "compartir", "iniciar sesión", "condividi", "accedi", "compartilhar", "entrar",
)  # fmt: skip


def _first_letter_alternation(terms: tuple[str, ...]) -> str:
    """Return `\\b(?:term|...)\\b` with the terms grouped by first letter, for a faster scan.

    Each term starts with a plain letter and no character matches two of them (even ignoring
    case), so at most one group can match at any position and within it the terms keep their
    order: the matches are those of the flat alternation. The lookahead of all first letters
    changes no match either; it only ends most tries at once.
    """
    groups: dict[str, list[str]] = {}
    for term in terms:
        groups.setdefault(term[0], []).append(term[1:])
    alternation = "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    return rf"\b(?=[{''.join(groups)}])(?:{alternation})\b"


_FURNITURE = re.compile(_first_letter_alternation(_FURNITURE_TERMS), re.IGNORECASE)


# A furniture match starts at a word boundary with a letter, so with a whole `\w+` word of the line.
# A match of a term with a space or hyphen starts with the word before it ("log" of "log ?in"):
# lines with such a word are searched. Any other word a match starts with is the whole match.
_FURNITURE_HEADS = frozenset(
    re.split(r"[ -]", term, maxsplit=1)[0] for term in _FURNITURE_TERMS if re.search(r"[ -]", term)
)

LINE_FEATURES: tuple[str, ...] = (
    "log_chars",
    "n_words",
    "mean_word_len",
    "ends_terminal",
    "ends_colon",
    "ends_ellipsis",
    "starts_bullet",
    "upper_share",
    "title_share",
    "digit_share",
    "symbol_share",
    "stopword_share",
    "n_sentences",
    "n_separators",
    "has_copyright",
    "has_url",
    "n_furniture",
    "furniture_share",
    "has_date",
    "starts_lower",
    "rel_pos",
    "log_index",
    "log_index_from_end",
    "log_n_lines",
    "char_mass_before",
    "line_char_share",
    "repeat_count",
    "is_repeat",
    "run_len_long",
    "run_len_short",
    "dist_prev_long",
    "dist_next_long",
    "words_prev1",
    "words_next1",
    "words_prev3",
    "words_next3",
    "words_win10",
    "term_prev3",
    "term_next3",
    "stop_win5",
    "furn_win5",
    "short_win10",
    "doc_mean_words",
    "doc_term_share",
    "doc_stopword_share",
    "neighbour_overlap",
    "slug_cover",
    "slug_share",
)

#: The only `LINE_FEATURES` that read a page's url: -1 for every line of a page without one.
URL_FEATURES: tuple[str, ...] = ("slug_cover", "slug_share")

CONTEXT_FEATURES: tuple[str, ...] = (
    "p_prev1",
    "p_next1",
    "p_prev2",
    "p_next2",
    "p_prev3",
    "p_next3",
    "p_win5",
    "p_win15",
    "p_before10",
    "p_after10",
    "p_doc_mean",
    "p_doc_max",
    "in_main_block",
    "dist_main_block",
    "main_block_share",
    "mass_after_main",
    "in_core_block",
    "dist_core_block",
    "after_core_block",
    "low_between_core",
)


@cache
def stopwords() -> dict[str, frozenset[str]]:
    """Return the bundled stopword lists, by language code."""
    data = (MODELS_DIR / "stopwords.json").read_text(encoding="utf-8")
    return {lang: frozenset(words) for lang, words in json.loads(data).items()}


@cache
def _stopword_languages() -> dict[str, int]:
    """Map each stopword to the languages whose list holds it: bit i stands for the i-th language
    in sorted order."""
    langs: dict[str, int] = {}
    for bit, (_, words) in enumerate(sorted(stopwords().items())):
        for word in words:
            langs[word] = langs.get(word, 0) | 1 << bit
    return langs


@cache
def _stopword_table() -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """`_stopword_languages` as columns: the stopwords and the code of each one's language bits,
    then the bits of each code as a (codes, languages) matrix of 0 and 1. Code 0 has no language."""
    langs = _stopword_languages()
    masks, codes = np.unique(np.fromiter(langs.values(), np.int64, len(langs)), return_inverse=True)
    bits = (np.concatenate(([0], masks))[:, None] >> np.arange(len(stopwords()))) & 1
    return pa.array(list(langs), pa.large_string()), codes + 1, bits


class _Pages(NamedTuple):
    """The lines of several pages, each with at least one line, concatenated in page order."""

    lines: list[str]
    bounds: np.ndarray  # where each page's lines start, then the number of lines (pages + 1 values)
    page: np.ndarray  # the page of each line
    index: np.ndarray  # the position of each line in its page
    size: np.ndarray  # the number of lines of each line's page
    first: np.ndarray  # where each line's page starts


def _pages(pages: Sequence[list[str]]) -> _Pages:
    """Concatenate the lines of `pages` and note where each page's lines are."""
    sizes = np.fromiter(map(len, pages), dtype=np.int64, count=len(pages))
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    page = np.repeat(np.arange(len(pages)), sizes)
    first = bounds[page]
    index = np.arange(bounds[-1]) - first
    return _Pages(list(chain.from_iterable(pages)), bounds, page, index, sizes[page], first)


def _spans(pages: _Pages) -> Iterator[tuple[int, int]]:
    """The [start, end) line span of each page."""
    return pairwise(pages.bounds.tolist())


def _is_integral(values: np.ndarray) -> bool:
    """Whether every value is a whole number: their sums are then exact in any order."""
    return bool(np.array_equal(values, np.trunc(values)))


# `_cumsums` lays pages out as rows of a grid when it has at most this many cells per value.
_GRID_CELLS = 8


def _cumsums(values: np.ndarray, pages: _Pages) -> np.ndarray:
    """`np.cumsum` of each page's non-negative `values` after a leading 0, concatenated (page p's 0
    at `first + p`).

    Float sums depend on the order of the additions, so each page is summed alone, exactly as it
    would be by itself; whole numbers add up exactly, so one cumsum over all pages serves them.
    """
    out = np.zeros(len(values) + len(pages.bounds) - 1)
    slots = np.arange(len(values)) + pages.page + 1
    if _is_integral(values):
        total = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
        out[slots] = total[1:] - total[pages.first]
        return out
    sizes = np.diff(pages.bounds)
    width = int(sizes.max()) + 1 if len(sizes) else 1
    if len(sizes) * width <= _GRID_CELLS * (len(values) + 1):
        # Each page as a row, zeros after its end: accumulating along the rows adds each page's
        # values in order, as the page alone; the padding comes after.
        grid = np.zeros((len(sizes), width - 1))
        grid[pages.page, pages.index] = values
        np.add.accumulate(grid, axis=1, out=grid)
        out[slots] = grid[pages.page, pages.index]
        return out
    for p, (start, end) in enumerate(_spans(pages)):
        np.add.accumulate(values[start:end], out=out[start + p + 1 : end + p + 1])  # = np.cumsum
    return out


def _page_means(values: np.ndarray, pages: _Pages) -> np.ndarray:
    """The mean of `values` over each line's page, as `np.mean` of the page's values gives it."""
    # `np.mean` divides `np.add.reduce` by the count; a sum of whole numbers is exact in any order.
    if _is_integral(values):
        means = np.bincount(pages.page, weights=values) / np.diff(pages.bounds)
    else:
        means = np.array([np.add.reduce(values[start:end]) / (end - start) for start, end in _spans(pages)])
    return means[pages.page]


def _window_mean(values: np.ndarray, before: int, after: int, pages: _Pages) -> np.ndarray:
    """Mean of `values[i - before : i + after + 1]` (clipped at the page's edges), excluding nothing."""
    csum = _cumsums(values, pages)
    zero = pages.first + pages.page
    lo = np.clip(pages.index - before, 0, pages.size)
    hi = np.clip(pages.index + after + 1, 0, pages.size)
    return (csum[zero + hi] - csum[zero + lo]) / np.maximum(hi - lo, 1)


def _shift(values: np.ndarray, offset: int, fill: float, pages: _Pages) -> np.ndarray:
    """Values of the line `offset` positions later (negative: earlier), `fill` past the page's edges."""
    out = np.full_like(values, fill)
    source = pages.index + offset
    inside = (source >= 0) & (source < pages.size)
    out[inside] = values[np.flatnonzero(inside) + offset]
    return out


def _run_lengths(mask: np.ndarray, pages: _Pages) -> np.ndarray:
    """For each line, the length of the run of equal `mask` values in its page containing it."""
    starts = pages.index == 0
    starts[1:] |= mask[1:] != mask[:-1]
    run = np.cumsum(starts) - 1
    return np.bincount(run)[run].astype(np.float64)


def _distance_to(mask: np.ndarray, reverse: bool, pages: _Pages) -> np.ndarray:
    """Lines to the nearest earlier (or later, if `reverse`) line of the page where `mask` holds.

    50 if there is none, or it is further away.
    """
    n = len(mask)
    position = np.arange(n)
    if reverse:
        at_or_after = np.minimum.accumulate(np.where(mask, position, n)[::-1])[::-1]
        other = np.append(at_or_after[1:], n)
        found = other < pages.first + pages.size
        distance = other - position
    else:
        at_or_before = np.maximum.accumulate(np.where(mask, position, -1))
        other = np.concatenate(([-1], at_or_before[:-1]))
        found = other >= pages.first
        distance = position - other
    return np.where(found, np.minimum(distance, 50), 50).astype(np.float64)


def _repeats(pages: _Pages) -> tuple[np.ndarray, np.ndarray]:
    """How many times each line occurs in its page, and whether it occurs earlier in the page."""
    n = len(pages.lines)
    distinct = pa.array(pages.lines, pa.string()).dictionary_encode().indices.to_numpy().astype(np.int64)
    # Each (page, distinct line) as one number; `np.unique` finds where each first occurs.
    _, first, key = np.unique(pages.page * max(n, 1) + distinct, return_index=True, return_inverse=True)
    firsts = first[key]
    counts = np.bincount(firsts, minlength=n)[firsts]
    return counts.astype(np.float64), (firsts != np.arange(n)).astype(np.float64)


def _neighbour_overlap(words: _Words, pages: _Pages, reach: int = 3) -> np.ndarray:
    """Largest share of a line's words found in one of its `reach` neighbours on either side.

    The share of two lines is their distinct words in common over the smaller number of distinct
    words; lines with fewer than three distinct words count as sharing nothing. Teaser lists repeat
    a headline in a shorter form next to it; article paragraphs do not.
    """
    n = len(pages.lines)
    best = np.zeros(n)
    if not len(words.ids):
        return best
    # Each distinct (word, line) once, sorted by word then line, as one number: word * n + line.
    # The words come in line order, so a stable sort by word sorts them by line too; NumPy sorts
    # 16-bit keys by radix, 4× faster than sorting the numbers.
    word_type = np.uint16 if len(words.vocab) <= 1 << 16 else np.int64
    by_word = np.argsort(words.ids.astype(word_type), kind="stable")
    key = (words.ids * n + words.line)[by_word]
    word, line = np.divmod(key[np.concatenate(([True], key[1:] != key[:-1]))], n)
    sizes = np.bincount(line, minlength=n)
    # In this order a word's lines increase one by one, so the same word in line i + distance is at
    # most `distance` places after the one in line i.
    shared = np.zeros((reach + 1, n), dtype=np.int64)
    for step in range(1, reach + 1):
        same = word[:-step] == word[step:]
        gap = line[step:] - line[:-step]
        for distance in range(step, reach + 1):
            shared[distance] += np.bincount(line[:-step][same & (gap == distance)], minlength=n)
    ends = pages.first + pages.size
    for distance in range(1, reach + 1):
        i = np.arange(n - distance)
        j = i + distance
        both = (j < ends[i]) & (sizes[i] >= 3) & (sizes[j] >= 3)
        i, j = i[both], j[both]
        share = shared[distance, i] / np.minimum(sizes[i], sizes[j])
        best[i] = np.maximum(best[i], share)
        best[j] = np.maximum(best[j], share)
    return best


# A run of three or more letters: a maximal run of letters is matched whole or, when shorter, not at all.
_SLUG_WORD = re.compile(r"[^\W\d_]{3,}")


def _slug_words(url: str | None) -> frozenset[str]:
    """Words of the URL path longer than two letters (a news URL's slug repeats its headline)."""
    if not url:
        return frozenset()
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    return frozenset(_SLUG_WORD.findall(path.lower()))


def _slug_features(words: _Words, pages: _Pages, urls: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Share of slug words found in each line, and share of each line's words in the slug (-1: no slug)."""
    n = len(pages.lines)
    cover, share = np.full(n, -1.0), np.full(n, -1.0)
    slugs = [_slug_words(url) for url in urls]
    sizes = np.fromiter(map(len, slugs), dtype=np.int64, count=len(slugs))
    slugged = np.flatnonzero(sizes >= 2)
    if not len(slugged):
        return cover, share
    # Each (page, slug word of the page) as one number, page * width + word, to look words up in.
    width = len(words.vocab)
    slug_words = pa.array([word for p in slugged.tolist() for word in slugs[p]], pa.large_string())
    found = pc.index_in(slug_words, value_set=words.vocab)
    in_vocab = found.is_valid().to_numpy(zero_copy_only=False)
    slug_ids = found.drop_null().to_numpy()
    keys = np.sort(np.repeat(slugged, sizes[slugged])[in_vocab] * width + slug_ids)
    hits = np.zeros(0, dtype=np.int64)
    if len(keys):
        # Only the words that are a slug word of some page of the batch are looked up.
        maybe = np.flatnonzero(_at(slug_ids, width)[words.ids])
        wanted = pages.page[words.line[maybe]] * width + words.ids[maybe]
        hits = maybe[keys[np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)] == wanted]
    lines = np.flatnonzero(np.isin(pages.page, slugged))
    share[lines] = _ratio(np.bincount(words.line[hits], minlength=n), np.diff(words.bounds))[lines]
    # Each (line, slug word) once.
    distinct = np.unique(words.line[hits] * width + words.ids[hits]) // width
    cover[lines] = np.bincount(distinct, minlength=n)[lines] / sizes[pages.page[lines]]
    return cover, share


def _stopword_counts(words: _Words, pages: _Pages) -> np.ndarray:
    """Number of words of each line in its page's stopword list.

    A page's list is the one that covers most of its words (a cheap language guess); on a tie,
    the first language in sorted order.
    """
    known, code_of, bits = _stopword_table()
    found = pc.index_in(words.vocab, value_set=known)
    codes = np.where(found.is_valid(), code_of[found.fill_null(0).to_numpy()], 0)[words.ids]
    page = pages.page[words.line]
    # Stopwords of each (page, language): the words of each page with each code counted by one
    # bincount, then spread over the languages of the code by a product with their bits.
    n_pages = len(pages.bounds) - 1
    per_code = np.bincount(page * len(bits) + codes, minlength=n_pages * len(bits)).reshape(
        n_pages, len(bits)
    )
    covered = per_code @ bits
    is_stop = bits[codes, covered.argmax(axis=1)[page]] > 0
    return np.bincount(words.line[is_stop], minlength=len(pages.lines))


# Character classes, as bit flags, of the per-character tests the features count.
_ALPHA, _UPPER, _DIGIT, _SPACE, _LOWER, _STOP, _SEP, _WORDCHAR = 1, 2, 4, 8, 16, 32, 64, 128
_SENTENCE_END = frozenset(".!?。")
_SEPARATOR_CHARS = frozenset("|·•/»>›–-")


def _flags_of(char: str) -> int:
    """Return the class flags of one character (`str.isalpha`, `str.isupper`, ... as bits)."""
    return (
        _ALPHA * char.isalpha()
        | _UPPER * char.isupper()
        | _DIGIT * char.isdigit()
        | _SPACE * char.isspace()
        | _LOWER * char.islower()
        | _STOP * (char in _SENTENCE_END)
        | _SEP * (char in _SEPARATOR_CHARS)
        | _WORDCHAR * (char.isalnum() or char == "_")  # what `\w` matches
    )


def _span_counts(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Number of true values of `mask` in each line [start, end) of a `_Text`, as exact integers.

    A line runs up to the next line's start but for the newline in between, which is left out.
    """
    counts = np.add.reduceat(np.append(mask, False), starts, dtype=np.int64)
    counts[:-1] -= mask[ends[:-1]]
    return counts


def _pattern_counts(pattern: re.Pattern[str], text: str, starts: np.ndarray) -> np.ndarray:
    """Matches of `pattern` per line of `text` (lines start at `starts`).

    Only for patterns that can never match a newline: then no match spans two lines, and the
    newline between lines is a non-word character, so each line gets the matches it has alone.
    """
    found = [m.start() for m in pattern.finditer(text)]
    if not found:
        return np.zeros(len(starts), dtype=np.int64)
    return np.bincount(np.searchsorted(starts, found, side="right") - 1, minlength=len(starts))


# What lower-casing leaves of "İ" (a combining dot after "i"), "ı" and "ſ": the patterns, ignoring
# case, match these as "i", "i" and "s", unlike their lower-cased forms.
_CASE_ODDITIES = "\u0307ıſ"
_FURNITURE_WORD, _MONTH_WORD, _FURNITURE_ALONE = 1, 2, 4


def _spellings(term: str) -> list[str]:
    """The strings a term of `_FURNITURE_TERMS` matches, its `(?:a|b)` groups and optional
    characters (`c?`) spelled out, a `\\w*` tail kept as it is."""
    found = re.search(r"\(\?:([^()]*)\)|([^(\\])\?", term)
    if not found:
        return [term]
    options = found.group(1).split("|") if found.group(1) is not None else [found.group(2), ""]
    return [
        word
        for option in options
        for word in _spellings(term[: found.start()] + option + term[found.end() :])
    ]


_SPELLED = [word for term in _FURNITURE_TERMS for word in _spellings(term)]
# The `_FURNITURE` matches of a whole lower-cased `\w+` word without `_CASE_ODDITIES`: the spellings
# that are such a word, or start with one and end in `\w*`. (The terms are lower-case ASCII, which
# no other character of such a word matches ignoring case; a spelling with a space or hyphen is
# never one word.)
_FURNITURE_ALONE_WORDS = pa.array(
    sorted({word for word in _SPELLED if re.fullmatch(r"\w+", word)}), pa.large_string()
)
_FURNITURE_ALONE_PREFIXES = tuple(
    word.removesuffix(r"\w*") for word in _SPELLED if re.fullmatch(r"\w+\\w\*", word)
)


def _vocab_marks(vocab: pa.LargeStringArray) -> np.ndarray:
    """Return how each lower-cased `\\w+` word of `vocab` can begin a match of the patterns, as bits.

    `_FURNITURE_WORD`: a `_FURNITURE` match that may run on past the word (a line with one is
    searched); `_FURNITURE_ALONE`: a `_FURNITURE` match of exactly the word; `_MONTH_WORD`: the
    date form `_MONTH_DATE` (a match starts at a word boundary with a letter, so with a whole
    word). A word with a `_CASE_ODDITIES` character gets the searched bits.
    """
    heads = pc.is_in(vocab, value_set=pa.array(sorted(_FURNITURE_HEADS), pa.large_string()))
    alone = pc.is_in(vocab, value_set=_FURNITURE_ALONE_WORDS).to_numpy(zero_copy_only=False)
    for prefix in _FURNITURE_ALONE_PREFIXES:
        alone |= pc.starts_with(vocab, prefix).to_numpy(zero_copy_only=False)
    furniture = np.where(heads.to_numpy(zero_copy_only=False), _FURNITURE_WORD, _FURNITURE_ALONE * alone)
    # The months are three ASCII letters: a word starts with one when its first three characters are one.
    month = pc.is_in(pc.utf8_slice_codeunits(vocab, 0, 3), value_set=pa.array(_MONTHS, pa.large_string()))
    marks = furniture | _MONTH_WORD * month.to_numpy(zero_copy_only=False)
    # The oddities are not ASCII: only the other words are searched for them.
    other = np.flatnonzero(pc.invert(pc.string_is_ascii(vocab)).to_numpy(zero_copy_only=False))
    odd = pc.match_substring_regex(vocab.take(other), f"[{_CASE_ODDITIES}]").to_numpy(zero_copy_only=False)
    marks[other[odd]] = _FURNITURE_WORD | _MONTH_WORD
    return marks.astype(np.int64)


def _lines_with(words: _Words, marks: np.ndarray, mark: int, n: int) -> np.ndarray:
    """Whether each of the `n` lines has a word whose `marks` (by vocabulary entry) include `mark`."""
    return np.bincount(words.line[(marks & mark)[words.ids] > 0], minlength=n) > 0


class _Text(NamedTuple):
    """Lines joined by newlines, where each line starts and ends, and its characters."""

    text: str
    starts: np.ndarray
    ends: np.ndarray
    codes: np.ndarray
    flags: np.ndarray


def _joined(lines: list[str]) -> _Text:
    text = "\n".join(lines)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    return _Text(text, starts, starts + lengths, *char_classes(text, _flags_of))


class _Words(NamedTuple):
    """The lower-cased `\\w+` words of some lines."""

    vocab: pa.LargeStringArray  # the distinct words
    ids: np.ndarray  # all the words, in order, as indices in `vocab`
    line: np.ndarray  # the line of each word
    bounds: np.ndarray  # where each line's words start in `ids`, then their number
    start: np.ndarray  # where each word starts in the joined text


def _words(page: _Text) -> _Words:
    """Lower-cased `\\w+` words of each line.

    A word is a run of `_WORDCHAR` characters (what `\\w` matches), cut out of the text's UTF-8
    bytes by Arrow. No word contains the newline between lines, so the words of the whole text are
    those of the lines in order.
    """
    is_word = (page.flags & _WORDCHAR) > 0
    # Where each run of word characters starts and ends, interleaved: start, end, start, end, ...
    padded = np.concatenate(([False], is_word, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    found = slices(utf8_of(page.text), edges).dictionary_encode()
    # Lower-cased once per distinct word: the distinct lower-cased forms are the vocabulary.
    lowered = lower(found.dictionary).dictionary_encode()
    ids = lowered.indices.to_numpy().astype(np.int64)[found.indices.to_numpy()]
    line = np.searchsorted(page.starts, edges[::2], side="right") - 1
    bounds = np.concatenate(([0], np.cumsum(np.bincount(line, minlength=len(page.starts)))))
    return _Words(lowered.dictionary, ids, line, bounds, edges[::2])


def _match_count(pattern: re.Pattern[str], line: str, positions: list[int]) -> int:
    """`len(pattern.findall(line))`, given the ordered `positions` where a match can begin."""
    count, end = 0, 0
    for position in positions:
        if position >= end and (match := pattern.match(line, position)):
            count, end = count + 1, match.end()
    return count


def _at(positions: np.ndarray, size: int) -> np.ndarray:
    """A mask of `size` values, true at `positions`."""
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return mask


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """`numerator / denominator` where the denominator is positive, else 0."""
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def _shape_features(lines: list[str], page: _Text, words: _Words, stop_words: np.ndarray) -> np.ndarray:
    """The 20 per-line columns that describe a line by itself (shape, punctuation, wording)."""
    n = len(lines)
    text, starts, ends, codes, flags = page
    lengths = ends - starts
    space = (flags & _SPACE) > 0
    letters = _span_counts((flags & _ALPHA) > 0, starts, ends)
    uppers = _span_counts((flags & _UPPER) > 0, starts, ends)
    digits = _span_counts((flags & _DIGIT) > 0, starts, ends)
    spaces = _span_counts(codes == ord(" "), starts, ends)
    # A `str.split()` word starts at a non-space after a space (the newline between lines is one).
    word_start = ~space & np.concatenate(([True], space[:-1]))
    raw_words = _span_counts(word_start, starts, ends)
    title_words = _span_counts(word_start & ((flags & _UPPER) > 0), starts, ends)
    # `[.!?。](?:\\s|$)`: a sentence end before a space, the line's end or the newline after it.
    space_after = np.concatenate((space[1:], [True]))
    sentences = _span_counts(((flags & _STOP) > 0) & space_after, starts, ends)
    # Every `_SEPARATORS` match is a space, separator, space triple; only lines with one need the regex.
    triple = np.zeros(len(flags), dtype=bool)
    triple[1:-1] = ((flags[1:-1] & _SEP) > 0) & space[:-2] & space[2:]
    has_triple = _span_counts(triple, starts, ends) > 0
    n_words = np.diff(words.bounds)
    # Characters of the lower-cased words: one per `\w` character, but "İ" lower-cases to two.
    word_chars = _span_counts((flags & _WORDCHAR) > 0, starts, ends)
    word_chars += _span_counts(codes == ord("İ"), starts, ends)
    marks = _vocab_marks(words.vocab)
    # A furniture match is a whole word or starts with one that lines are searched for, and only at
    # the words that can begin a match.
    furniture = np.bincount(words.line[(marks & _FURNITURE_ALONE)[words.ids] > 0], minlength=n)
    may_begin = (marks & (_FURNITURE_WORD | _FURNITURE_ALONE))[words.ids] > 0
    for i in np.flatnonzero(_lines_with(words, marks, _FURNITURE_WORD, n)):
        span = slice(words.bounds[i], words.bounds[i + 1])
        at = words.start[span][may_begin[span]] - starts[i]
        furniture[i] = _match_count(_FURNITURE, lines[i], at.tolist())
    # Only lines with a word that can begin a match are searched for dates.
    digit = (flags & _DIGIT) > 0  # `\d` is a subset of `str.isdigit`
    pair = np.flatnonzero(digit[:-2] & digit[2:]) + 1
    date_separators = _span_counts(
        _at(pair[np.isin(codes[pair], _DATE_SEPARATORS)], len(codes)), starts, ends
    )
    has_date = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(date_separators > 0):
        has_date[i] = _NUMERIC_DATE.search(lines[i]) is not None
    # A month-name date's month word runs to its end ("[a-z]*" then "." or " "), so the next word
    # of its line starts with the day's digit.
    month = (marks & _MONTH_WORD)[words.ids] > 0
    dated = month[:-1] & digit[words.start[1:]] & (words.line[:-1] == words.line[1:])
    for i in np.flatnonzero(~has_date & _at(words.line[:-1][dated], n)):
        has_date[i] = _MONTH_DATE.search(lines[i]) is not None
    # "copyright" is all letters: in a lower-cased line it lies in one lower-cased word.
    copyright_words = pc.match_substring(words.vocab, "copyright").to_numpy(zero_copy_only=False)
    has_copyright = (_span_counts(codes == ord("©"), starts, ends) > 0) | (
        np.bincount(words.line[copyright_words[words.ids]], minlength=n) > 0
    )
    separators = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(has_triple):
        separators[i] = len(_SEPARATORS.findall(lines[i]))
    starts_lower = np.zeros(n, dtype=bool)
    starts_lower[lengths > 0] = (flags[starts[lengths > 0]] & _LOWER) > 0
    symbols = lengths - letters - digits - spaces
    # Only the lines that start like a bullet are searched (`\d` is a subset of `str.isdigit`).
    bullet = np.zeros(n, dtype=bool)
    maybe_bullet = np.isin(codes[starts], _BULLET_STARTS) | ((flags[starts] & _DIGIT) > 0)
    for i in np.flatnonzero(maybe_bullet):
        bullet[i] = _BULLET.match(lines[i]) is not None
    last = codes[ends - 1]  # the lines are not blank
    dots = [codes[np.maximum(ends - k, 0)] == ord(".") for k in (1, 2, 3)]
    ellipsis = (last == ord("…")) | ((lengths >= 3) & dots[0] & dots[1] & dots[2])  # ends with "…" or "..."
    columns = (
        np.log1p(lengths),
        n_words,
        _ratio(word_chars, n_words),
        np.isin(last, _TERMINAL_CODES) & ~ellipsis,
        last == ord(":"),
        ellipsis,
        bullet,
        _ratio(uppers, letters),
        _ratio(title_words, raw_words),
        digits / lengths,
        symbols / lengths,
        _ratio(stop_words, n_words),
        sentences,
        separators,
        has_copyright,
        sum(_pattern_counts(pattern, text, starts) for pattern in _URL_PARTS) > 0,
        furniture,
        _ratio(furniture, n_words),
        has_date,
        starts_lower,
    )
    return np.column_stack([np.asarray(column, dtype=np.float64) for column in columns])


def line_features(lines: list[str], url: str | None = None) -> np.ndarray:
    """Return the first-pass features (columns `LINE_FEATURES`) of non-blank `lines`.

    `url`, when known, lets the features find the headline (the URL slug repeats it).
    """
    if not lines:
        return np.zeros((0, len(LINE_FEATURES)), dtype=np.float32)
    return batch_line_features([lines], [url])


def batch_line_features(pages: Sequence[list[str]], urls: Sequence[str | None]) -> np.ndarray:
    """Return `line_features` of several pages at once: their rows in page order, bit for bit the same.

    Each page must have at least one line.
    """
    batch = _pages(pages)
    lines = batch.lines
    text = _joined(lines)
    words = _words(text)
    rows = _shape_features(lines, text, words, _stopword_counts(words, batch))
    n_words = rows[:, 1]
    terminal = rows[:, 3]
    stop_share = rows[:, 11]
    furn_share = rows[:, 17]
    chars = (text.ends - text.starts).astype(np.float64)
    total_chars = np.bincount(batch.page, weights=chars)[batch.page]
    chars_before = _cumsums(chars, batch)[batch.first + batch.page + batch.index]
    index = batch.index.astype(np.float64)
    long_line = n_words >= 15
    short_line = n_words <= 4
    run = _run_lengths(long_line, batch)
    extra = np.column_stack(
        [
            index / np.maximum(batch.size - 1, 1),
            np.log1p(index),
            np.log1p(batch.size - 1 - index),
            np.log1p(batch.size.astype(np.float64)),
            chars_before / total_chars,
            chars / total_chars,
            *_repeats(batch),
            np.where(long_line, run, 0.0),
            np.where(~long_line, run, 0.0),
            _distance_to(long_line, False, batch),
            _distance_to(long_line, True, batch),
            _shift(n_words, -1, 0.0, batch),
            _shift(n_words, 1, 0.0, batch),
            _window_mean(_shift(n_words, -1, 0.0, batch), 2, 0, batch),
            _window_mean(_shift(n_words, 1, 0.0, batch), 0, 2, batch),
            _window_mean(n_words, 10, 10, batch),
            _window_mean(_shift(terminal, -1, 0.0, batch), 2, 0, batch),
            _window_mean(_shift(terminal, 1, 0.0, batch), 0, 2, batch),
            _window_mean(stop_share, 5, 5, batch),
            _window_mean(furn_share, 5, 5, batch),
            _window_mean(short_line.astype(np.float64), 10, 10, batch),
            _page_means(n_words, batch),
            _page_means(terminal, batch),
            _page_means(stop_share, batch),
            _neighbour_overlap(words, batch),
            *_slug_features(words, batch, urls),
        ]
    )
    return np.hstack([rows, extra]).astype(np.float32)


def page_main_blocks(gain: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Return the main block of each page (its values `gain[bounds[p]:bounds[p + 1]]`): the span
    with the largest sum of `gain` (Kadane), or (0, 0); as (start, end) rows counted from the
    page's first value."""
    # Python floats add exactly as float64 NumPy scalars do, only faster.
    values = np.asarray(gain, dtype=np.float64).tolist()
    spans = []
    for lo, hi in pairwise(bounds.tolist()):
        best, best_span = 0.0, (0, 0)
        total, start = 0.0, 0
        for i in range(lo, hi):
            if total <= 0:
                total, start = 0.0, i
            total += values[i]
            if total > best:
                best, best_span = total, (start - lo, i + 1 - lo)
        spans.append(best_span)
    return np.array(spans, dtype=np.int64).reshape(-1, 2)


def _main_blocks(gain: np.ndarray, pages: _Pages) -> tuple[np.ndarray, np.ndarray]:
    """The `page_main_blocks` span of each line's page."""
    spans = page_main_blocks(gain, pages.bounds)
    return spans[pages.page, 0], spans[pages.page, 1]


#: First-pass features the HTML model adds (`main_text_features`).
MAIN_TEXT_FEATURES: tuple[str, ...] = ("main_share", "main_share_prev", "main_share_next", "main_share_page")


def main_text_features(shares: Sequence[np.ndarray]) -> np.ndarray:
    """Return the `MAIN_TEXT_FEATURES` of several pages' lines, their rows in page order.

    `shares` holds, per page, each non-blank line's share in the extractor's main text
    (`loaders.html_lines.main_text_shares`), read as float32 the way the schema stores it.
    """
    columns = []
    for page in shares:
        share = np.asarray(page, dtype=np.float32).astype(np.float64)
        before = np.concatenate([[0.0], share[:-1]])
        after = np.concatenate([share[1:], [0.0]])
        columns.append(
            np.column_stack([share, before, after, np.full(len(share), share.mean() if len(share) else 0.0)])
        )
    return np.vstack(columns) if columns else np.zeros((0, len(MAIN_TEXT_FEATURES)))


def context_features(first_pass: np.ndarray, lines: list[str]) -> np.ndarray:
    """Return the second-pass features (columns `CONTEXT_FEATURES`) from first-pass probabilities.

    `first_pass` holds each line's probability of being content.
    """
    if len(first_pass) == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)), dtype=np.float32)
    return batch_context_features(first_pass, [lines])


def batch_context_features(first_pass: np.ndarray, pages: Sequence[list[str]]) -> np.ndarray:
    """Return `context_features` of several pages at once: their rows in page order, bit for bit the same.

    `first_pass` holds the probabilities of all their lines, in order; each page must have a line.
    """
    batch = _pages(pages)
    index = batch.index
    p = first_pass.astype(np.float64)
    chars = np.fromiter(map(len, batch.lines), dtype=np.float64, count=len(batch.lines))
    # The main block maximises content mass minus boilerplate mass, in characters.
    start, end = _main_blocks((p - 0.5) * np.sqrt(chars), batch)
    inside = (index >= start) & (index < end)
    dist = np.where(inside, 0, np.minimum(np.abs(index - start), np.abs(index - (end - 1))))
    zero = batch.first + batch.page  # where the page's sums start in `_cumsums`
    mass = _cumsums(chars, batch)
    block_mass = mass[zero + end] - mass[zero + start]
    block_share = np.where(end > start, block_mass / mass[zero + batch.size], 0.0)
    after = np.where(index >= end, 1.0, 0.0) * (end > start)
    # The core block asks for confident content only: teaser lists and comments that pass 0.5
    # rarely pass 0.8, so lines after it and beyond a run of boilerplate are suspect.
    core_start, core_end = _main_blocks((p - 0.8) * np.sqrt(chars), batch)
    in_core = (index >= core_start) & (index < core_end)
    core_dist = np.where(in_core, 0, np.minimum(np.abs(index - core_start), np.abs(index - (core_end - 1))))
    low = _cumsums((p < 0.3).astype(np.float64), batch)
    low_between = np.where(
        index >= core_end,
        low[zero + index] - low[zero + core_end],
        np.where(index < core_start, low[zero + core_start] - low[zero + index + 1], 0),
    )
    return np.column_stack(
        [
            _shift(p, -1, 0.0, batch),
            _shift(p, 1, 0.0, batch),
            _shift(p, -2, 0.0, batch),
            _shift(p, 2, 0.0, batch),
            _shift(p, -3, 0.0, batch),
            _shift(p, 3, 0.0, batch),
            _window_mean(p, 5, 5, batch),
            _window_mean(p, 15, 15, batch),
            _window_mean(_shift(p, -1, 0.0, batch), 9, 0, batch),
            _window_mean(_shift(p, 1, 0.0, batch), 0, 9, batch),
            _page_means(p, batch),
            np.maximum.reduceat(p, batch.bounds[:-1])[batch.page],
            inside,
            np.minimum(dist, 50),
            block_share,
            after,
            in_core,
            np.minimum(core_dist, 50),
            np.where(index >= core_end, 1.0, 0.0) * (core_end > core_start),
            np.minimum(low_between, 50),
        ]
    ).astype(np.float32)
