"""Numeric features of the lines of one page, for the boilerplate line classifier.

Features come in two passes. `line_features` describes each non-blank line by itself and by its
neighbourhood (shape, punctuation, stopwords, position, runs of long lines, repetition).
`context_features` adds, for the second pass, the first-pass probabilities of the neighbours and
whether the line lies inside the page's densest content region: boilerplate comes in blocks, so
a line's neighbours say a lot about it. Both return float32 arrays with one row per line; the
column order is the model's input order and is listed in `LINE_FEATURES` and `CONTEXT_FEATURES`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from itertools import chain, pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
_WORD = re.compile(r"\w+")
_TERMINAL = tuple(".!?\"'”’»。！？")
_ELLIPSIS = ("...", "…")
_BULLET = re.compile(r"^(?:[-*•·›»>|]|\d{1,3}[.)]|\[\d+\])\s")
_SEPARATORS = re.compile(r"\s[|·•/»>›–-]\s")
# A line has a URL or e-mail address when `https?://|www\.|\w@\w|\.(?:com|org|net|html?)\b`
# (ignoring case) matches in it. These three patterns match where one of its four branches does,
# but each starts with a literal character, which the regex engine finds fast.
_URL_PARTS = (
    re.compile(r"://(?:(?<=https://)|(?<=http://))", re.IGNORECASE),
    re.compile(r"\.(?:(?<=www\.)|(?:com|org|net|html?)\b)", re.IGNORECASE),
    re.compile(r"@(?<=\w@)\w"),
)
# The lookahead only lists the characters a match can start with: it changes no match, but lets
# the scan give up early at most positions.
_DATE = re.compile(
    r"\b(?=[\djfmasond])(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2}:\d{2})",
    re.IGNORECASE,
)
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
def _stopword_languages() -> dict[str, tuple[str, ...]]:
    """Map each stopword to the languages whose list holds it."""
    langs: dict[str, list[str]] = {}
    for lang, words in sorted(stopwords().items()):
        for word in words:
            langs.setdefault(word, []).append(lang)
    return {word: tuple(found) for word, found in langs.items()}


def _page_stopwords(words_per_line: list[list[str]]) -> frozenset[str]:
    """Pick the stopword list that covers most words of the page (a cheap language guess)."""
    index = _stopword_languages()
    counts = dict.fromkeys(sorted(stopwords()), 0)
    for word, times in Counter(chain.from_iterable(words_per_line)).items():
        for lang in index.get(word, ()):
            counts[lang] += times
    best = max(counts, key=lambda lang: counts[lang])
    return stopwords()[best]


def _window_mean(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """Mean of `values[i - before : i + after + 1]` (clipped at the edges), excluding nothing."""
    n = len(values)
    csum = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
    idx = np.arange(n)
    lo = np.clip(idx - before, 0, n)
    hi = np.clip(idx + after + 1, 0, n)
    return (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)


def _shift(values: np.ndarray, offset: int, fill: float) -> np.ndarray:
    """Values of the line `offset` positions later (negative: earlier), `fill` past the edges."""
    out = np.full_like(values, fill)
    if offset > 0:
        out[:-offset] = values[offset:]
    elif offset < 0:
        out[-offset:] = values[:offset]
    else:
        out[:] = values
    return out


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal `mask` values containing it."""
    n = len(mask)
    out = np.zeros(n, dtype=np.float64)
    values = mask.tolist()
    start = 0
    for i in range(1, n + 1):
        if i == n or values[i] != values[start]:
            out[start:i] = i - start
            start = i
    return out


def _distance_to(mask: np.ndarray, reverse: bool) -> np.ndarray:
    """Lines to the nearest earlier (or later, if `reverse`) line where `mask` holds; 50 if none."""
    n = len(mask)
    out = np.full(n, 50.0)
    last = None
    values = mask.tolist()
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        if last is not None:
            out[i] = min(50.0, abs(i - last))
        if values[i]:
            last = i
    return out


def _neighbour_overlap(words_per_line: list[list[str]], reach: int = 3) -> np.ndarray:
    """Largest share of a line's words found in one of its `reach` neighbours on either side.

    Teaser lists repeat a headline in a shorter form next to it; article paragraphs do not.
    """
    sets = [frozenset(words) for words in words_per_line]
    sizes = [len(words) for words in sets]
    n = len(sets)
    best = [0.0] * n
    # The share is symmetric in the two lines: compute each pair once, for both.
    for i, words in enumerate(sets):
        if sizes[i] < 3:
            continue
        for j in range(i + 1, min(n, i + reach + 1)):
            if sizes[j] >= 3:
                share = len(words & sets[j]) / min(sizes[i], sizes[j])
                if share > best[i]:
                    best[i] = share
                if share > best[j]:
                    best[j] = share
    return np.array(best, dtype=np.float64)


def _slug_words(url: str | None) -> frozenset[str]:
    """Words of the URL path longer than two letters (a news URL's slug repeats its headline)."""
    if not url:
        return frozenset()
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    return frozenset(w for w in re.findall(r"[^\W\d_]+", path.lower()) if len(w) > 2)


def _slug_features(words_per_line: list[list[str]], url: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Share of slug words found in each line, and share of each line's words in the slug."""
    slug = _slug_words(url)
    n = len(words_per_line)
    if len(slug) < 2:
        return np.full(n, -1.0), np.full(n, -1.0)
    cover = np.array([len(slug.intersection(words)) / len(slug) for words in words_per_line])
    share = np.array(
        [sum(w in slug for w in words) / len(words) if words else 0.0 for words in words_per_line]
    )
    return cover, share


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


@cache
def _bmp_flags() -> np.ndarray:
    """Class flags of every code point of the Basic Multilingual Plane, built once per process."""
    return np.array([_flags_of(chr(code)) for code in range(0x10000)], dtype=np.uint8)


def _char_flags(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the code points of `text` and the class flags of each."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = _bmp_flags()[np.minimum(codes, 0xFFFF)]
    for i in np.flatnonzero(codes > 0xFFFF):
        flags[i] = _flags_of(text[i])
    return codes, flags


def _span_counts(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Number of true values of `mask` in each span [start, end), as exact integers."""
    csum = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    return csum[ends] - csum[starts]


def _pattern_counts(pattern: re.Pattern[str], text: str, starts: np.ndarray) -> np.ndarray:
    """Matches of `pattern` per line of `text` (lines start at `starts`).

    Only for patterns that can never match a newline: then no match spans two lines, and the
    newline between lines is a non-word character, so each line gets the matches it has alone.
    """
    found = [m.start() for m in pattern.finditer(text)]
    if not found:
        return np.zeros(len(starts), dtype=np.int64)
    return np.bincount(np.searchsorted(starts, found, side="right") - 1, minlength=len(starts))


class _Page(NamedTuple):
    """The lines of a page joined by newlines, where each line starts and ends, and its characters."""

    text: str
    starts: np.ndarray
    ends: np.ndarray
    codes: np.ndarray
    flags: np.ndarray


def _page(lines: list[str]) -> _Page:
    text = "\n".join(lines)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    return _Page(text, starts, starts + lengths, *_char_flags(text))


def _words(page: _Page) -> list[list[str]]:
    """Lower-cased `\\w+` words of each line.

    No word contains the newline between lines, so the words of the whole text are those of the
    lines in order, and a line has as many as word characters that follow a non-word character.
    """
    words = list(map(str.lower, _WORD.findall(page.text)))
    is_word = (page.flags & _WORDCHAR) > 0
    word_start = is_word & np.concatenate(([True], ~is_word[:-1]))
    bounds = np.concatenate(([0], np.cumsum(_span_counts(word_start, page.starts, page.ends)))).tolist()
    return [words[a:b] for a, b in pairwise(bounds)]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """`numerator / denominator` where the denominator is positive, else 0."""
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def _shape_features(
    lines: list[str], page: _Page, words_per_line: list[list[str]], stop: frozenset[str]
) -> np.ndarray:
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
    n_words = np.fromiter(map(len, words_per_line), dtype=np.int64, count=n)
    word_chars = np.fromiter((sum(map(len, words)) for words in words_per_line), dtype=np.int64, count=n)
    stop_words = np.fromiter(
        (sum(map(stop.__contains__, words)) for words in words_per_line), dtype=np.int64, count=n
    )
    furniture = _pattern_counts(_FURNITURE, text, starts)
    lowered = text.lower()
    has_copyright = np.zeros(n, dtype=bool)
    if "©" in text or "copyright" in lowered:
        has_copyright[:] = ["©" in line or "copyright" in line.lower() for line in lines]
    separators = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(has_triple):
        separators[i] = len(_SEPARATORS.findall(lines[i]))
    starts_lower = np.zeros(n, dtype=bool)
    starts_lower[lengths > 0] = (flags[starts[lengths > 0]] & _LOWER) > 0
    symbols = lengths - letters - digits - spaces
    columns = (
        np.log1p(lengths),
        n_words,
        _ratio(word_chars, n_words),
        [line.endswith(_TERMINAL) and not line.endswith(_ELLIPSIS) for line in lines],
        [line.endswith(":") for line in lines],
        [line.endswith(_ELLIPSIS) for line in lines],
        [_BULLET.match(line) is not None for line in lines],
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
        # Every date has a digit (`\\d` is a subset of `str.isdigit`): search only lines with one.
        [digits[i] > 0 and _DATE.search(line) is not None for i, line in enumerate(lines)],
        starts_lower,
    )
    return np.column_stack([np.asarray(column, dtype=np.float64) for column in columns])


def line_features(lines: list[str], url: str | None = None) -> np.ndarray:
    """Return the first-pass features (columns `LINE_FEATURES`) of non-blank `lines`.

    `url`, when known, lets the features find the headline (the URL slug repeats it).
    """
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(LINE_FEATURES)), dtype=np.float32)
    page = _page(lines)
    words_per_line = _words(page)
    stop = _page_stopwords(words_per_line)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    seen: set[str] = set()
    is_repeat = np.zeros(n)
    for i, line in enumerate(lines):
        is_repeat[i] = line in seen
        seen.add(line)
    rows = _shape_features(lines, page, words_per_line, stop)
    n_words = rows[:, 1]
    terminal = rows[:, 3]
    stop_share = rows[:, 11]
    furn_share = rows[:, 17]
    chars = np.array([len(line) for line in lines], dtype=np.float64)
    total_chars = chars.sum()
    index = np.arange(n, dtype=np.float64)
    long_line = n_words >= 15
    short_line = n_words <= 4
    run = _run_lengths(long_line)
    extra = np.column_stack(
        [
            index / max(n - 1, 1),
            np.log1p(index),
            np.log1p(n - 1 - index),
            np.full(n, np.log1p(n)),
            (np.cumsum(chars) - chars) / total_chars,
            chars / total_chars,
            np.array([counts[line] for line in lines], dtype=np.float64),
            is_repeat,
            np.where(long_line, run, 0.0),
            np.where(~long_line, run, 0.0),
            _distance_to(long_line, reverse=False),
            _distance_to(long_line, reverse=True),
            _shift(n_words, -1, 0.0),
            _shift(n_words, 1, 0.0),
            _window_mean(_shift(n_words, -1, 0.0), 2, 0),
            _window_mean(_shift(n_words, 1, 0.0), 0, 2),
            _window_mean(n_words, 10, 10),
            _window_mean(_shift(terminal, -1, 0.0), 2, 0),
            _window_mean(_shift(terminal, 1, 0.0), 0, 2),
            _window_mean(stop_share, 5, 5),
            _window_mean(furn_share, 5, 5),
            _window_mean(short_line.astype(np.float64), 10, 10),
            np.full(n, n_words.mean()),
            np.full(n, terminal.mean()),
            np.full(n, stop_share.mean()),
            _neighbour_overlap(words_per_line),
            *_slug_features(words_per_line, url),
        ]
    )
    return np.hstack([rows, extra]).astype(np.float32)


def main_block(gain: np.ndarray) -> tuple[int, int]:
    """Return the [start, end) span with the largest sum of `gain` (Kadane), or (0, 0)."""
    best, best_span = 0.0, (0, 0)
    total, start = 0.0, 0
    # Python floats add exactly as float64 NumPy scalars do, only faster.
    for i, value in enumerate(np.asarray(gain, dtype=np.float64).tolist()):
        if total <= 0:
            total, start = 0.0, i
        total += value
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def context_features(first_pass: np.ndarray, lines: list[str]) -> np.ndarray:
    """Return the second-pass features (columns `CONTEXT_FEATURES`) from first-pass probabilities.

    `first_pass` holds each line's probability of being content.
    """
    n = len(first_pass)
    if n == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)), dtype=np.float32)
    p = first_pass.astype(np.float64)
    chars = np.array([len(line) for line in lines], dtype=np.float64)
    # The main block maximises content mass minus boilerplate mass, in characters.
    start, end = main_block((p - 0.5) * np.sqrt(chars))
    index = np.arange(n)
    inside = (index >= start) & (index < end)
    dist = np.where(inside, 0, np.minimum(np.abs(index - start), np.abs(index - (end - 1))))
    total = chars.sum()
    block_share = chars[start:end].sum() / total if end > start else 0.0
    after = np.where(index >= end, 1.0, 0.0) * (end > start)
    # The core block asks for confident content only: teaser lists and comments that pass 0.5
    # rarely pass 0.8, so lines after it and beyond a run of boilerplate are suspect.
    core_start, core_end = main_block((p - 0.8) * np.sqrt(chars))
    in_core = (index >= core_start) & (index < core_end)
    core_dist = np.where(in_core, 0, np.minimum(np.abs(index - core_start), np.abs(index - (core_end - 1))))
    low = np.concatenate(([0], np.cumsum(p < 0.3)))
    low_between = np.where(
        index >= core_end,
        low[index] - low[core_end],
        np.where(index < core_start, low[core_start] - low[index + 1], 0),
    )
    return np.column_stack(
        [
            _shift(p, -1, 0.0),
            _shift(p, 1, 0.0),
            _shift(p, -2, 0.0),
            _shift(p, 2, 0.0),
            _shift(p, -3, 0.0),
            _shift(p, 3, 0.0),
            _window_mean(p, 5, 5),
            _window_mean(p, 15, 15),
            _window_mean(_shift(p, -1, 0.0), 9, 0),
            _window_mean(_shift(p, 1, 0.0), 0, 9),
            np.full(n, p.mean()),
            np.full(n, p.max()),
            inside,
            np.minimum(dist, 50),
            np.full(n, block_share),
            after,
            in_core,
            np.minimum(core_dist, 50),
            np.where(index >= core_end, 1.0, 0.0) * (core_end > core_start),
            np.minimum(low_between, 50),
        ]
    ).astype(np.float32)
