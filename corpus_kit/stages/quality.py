r"""Document quality signals (the Gopher / C4 / FineWeb family) and rejects below thresholds.

Signals are computed on the cleaned `text`, one value per document:

| column                 | meaning                                                                    |
|------------------------|----------------------------------------------------------------------------|
| `word_count`           | words: whitespace tokens holding a letter or digit; each CJK character     |
|                        | (ideograph, kana) is a word of its own                                     |
| `sentence_count`       | sentence ends (`. ! ?` before a space or the line's end, `。 ！ ？`) in     |
|                        | lines of at least 3 words                                                  |
| `mean_word_length`     | mean characters per word, leading and trailing punctuation not counted     |
| `symbol_word_ratio`    | max of `#` per word and ellipses (`...`, `…`) per word                     |
| `stopword_count`       | occurrences of stopwords of the document's language (`lang` column); with  |
|                        | no `lang` or `und`, of the bundled list that matches most; null when the   |
|                        | language has no list                                                       |
| `duplicate_line_share` | share of non-blank lines that repeat an earlier line                       |
| `terminal_punct_share` | share of non-blank lines ending in `. ! ? " ' ” ’ » 。 ！ ？`              |
| `reject_reason`        | first failed check, in the order of `schema.REJECT_TOO_FEW_WORDS` …        |
|                        | `REJECT_FEW_TERMINAL_PUNCTUATION`; null when the document passes          |

The rules follow Gopher (Rae et al. 2021, arXiv:2112.11446, appendix A.1; reference code
datatrove:src/datatrove/pipeline/filters/gopher_quality_filter.py and gopher_repetition_filter.py),
C4 (Raffel et al. 2020, arXiv:1910.10683, section 2.2: sentence lines, at least 5 sentences;
datatrove:src/datatrove/pipeline/filters/c4_filters.py) and FineWeb (Penedo et al. 2024,
arXiv:2406.17557; datatrove:src/datatrove/pipeline/filters/fineweb_quality_filter.py).
Differences, on purpose: words are whitespace tokens rather than NLTK tokens (no tokenizer
dependency, language-neutral); blank lines are not counted as lines (paragraph breaks would
otherwise lower the punctuation share of well-formed prose); sentences are counted in every line,
not only in lines ending in punctuation as C4 does (a whole article on one line that ends in a
copyright notice still has its sentences); C4's 5-sentence floor is 2, and
pages with 2-4 sentences are rejected as `thin_page` only when fewer than half their lines are
sentences. That is what is left of a thin page after boilerplate removal (a sentence or two
among teaser headlines), while a real short news brief is mostly sentences. A
`reject_reason` already set by an earlier stage is kept.

Exactly, with Python's `\w` and `\s` and CJK for U+3040-30FF, U+3400-4DBF, U+4E00-9FFF and
U+F900-FAFF: a word is a match of `[CJK]|[^\W_CJK](?:[^\sCJK]*[^\W_CJK])?`; lines are compared and
their ends looked at once stripped of ` \t\u200b\u200c\u200d\u2060\ufeff` at both ends; a sentence
end is a match of `[.!?]+["'”’»)\]]*(?:\s|$)|[。！？]` in a stripped line with at least 3 words.
`batch_signals` computes the signals of a whole batch at once, with NumPy over its code points;
the tests check it against these regular expressions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_kit import schema
from corpus_kit.config import QualityConfig
from corpus_kit.stages.code_points import char_classes, lower, slices, utf8_of
from corpus_kit.stages.line_features import stopwords
from corpus_kit.tables import set_column

_UNKNOWN_LANGS = frozenset({"", "und"})

SIGNAL_COLUMNS: tuple[str, ...] = (
    "word_count",
    "sentence_count",
    "mean_word_length",
    "symbol_word_ratio",
    "stopword_count",
    "duplicate_line_share",
    "terminal_punct_share",
)


# Character classes, as bit flags, of the per-character tests the signals count.
_SPACE, _ALNUM, _CJK, _INVISIBLE, _STOP, _CLOSER, _FULL_WIDTH_STOP, _TERMINAL = 1, 2, 4, 8, 16, 32, 64, 128
_MIN_SENTENCE_LINE_WORDS = 3


def _classes_of(char: str) -> int:
    """The classes of one character. CJK: kana and ideographs, each a word of its own."""
    code = ord(char)
    cjk = (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
    )
    return (
        _SPACE * char.isspace()  # what `\s` matches
        | _ALNUM * (char.isalnum() and not cjk)  # what `[^\W_]` matches, but CJK
        | _CJK * cjk
        | _INVISIBLE * (char in " \t\u200b\u200c\u200d\u2060\ufeff")  # stripped off a line's ends
        | _STOP * (char in ".!?")
        | _CLOSER * (char in "\"'”’»)]")
        | _FULL_WIDTH_STOP * (char in "。！？")
        | _TERMINAL * (char in ".!?\"'”’»。！？")
    )


class Signals(NamedTuple):
    """The quality signals of one document (see the module docstring)."""

    word_count: int
    sentence_count: int
    mean_word_length: float
    symbol_word_ratio: float
    stopword_count: int | None
    duplicate_line_share: float
    terminal_punct_share: float


@cache
def _stopword_languages() -> dict[str, tuple[str, ...]]:
    """Map each bundled stopword to the languages whose list holds it."""
    index: dict[str, list[str]] = {}
    for lang, words in sorted(stopwords().items()):
        for word in words:
            index.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in index.items()}


@cache
def _stopword_array(lang: str) -> pa.LargeStringArray:
    return pa.array(sorted(stopwords()[lang]), pa.large_string())


def _covered(word: str) -> bool:
    """Whether `word` starts in a script the bundled lists are written in (Latin, Cyrillic)."""
    first = word[0]
    return first < "\u0370" or "\u0400" <= first < "\u0530"


def _best_list_count(words: list[str]) -> int | None:
    """Stopwords among `words` of a text without a language: of the bundled list that matches most,
    if most words are in scripts the lists cover."""
    if sum(map(_covered, words)) * 2 < len(words):
        return None
    index = _stopword_languages()
    per_lang = Counter(lang for word in map(str.lower, words) for lang in index.get(word, ()))
    return max(per_lang.values(), default=0)


def _list_of(lang: str) -> str | None:
    """The bundled stopword list of a known language (`zh-cn` falls back to `zh`), or None."""
    lists = stopwords()
    return next((name for name in (lang, lang.split("-")[0]) if name in lists), None)


def _walk(position: np.ndarray, limit: np.ndarray, mask: np.ndarray, step: int) -> np.ndarray:
    """Move each `position` by `step` while the character it passes is in `mask`, up to `limit`."""
    position = position.copy()
    active = np.flatnonzero(position != limit)
    while len(active):
        passed = position[active] if step > 0 else position[active] - 1
        active = active[mask[passed]]
        position[active] += step
        active = active[position[active] != limit[active]]
    return position


class _Words(NamedTuple):
    starts: np.ndarray
    ends: np.ndarray
    line: np.ndarray  # the line of each word


def _words(classes: np.ndarray, line_starts: np.ndarray) -> _Words:
    """The words: each CJK character, and in each run of characters that are neither whitespace nor
    CJK, the span from its first to its last letter or digit (the `_WORD` of the module docstring).

    Runs of letters and digits form one word while no whitespace or CJK character lies between them.
    """
    alnum = (classes & _ALNUM) > 0
    edges = np.flatnonzero(np.diff(alnum, prepend=False, append=False))
    starts, ends = edges[::2], edges[1::2]
    if len(starts):
        # A run starts a new word when the gap before it holds whitespace or a CJK character.
        joins = (classes & (_SPACE | _CJK)) == 0
        new = np.ones(len(starts), bool)
        new[1:] = _walk(ends[:-1], starts[1:], joins, 1) < starts[1:]
        starts, ends = starts[new], ends[np.append(new[1:], True)]
    ideographs = np.flatnonzero(classes & _CJK)
    if len(ideographs):
        starts = np.concatenate((starts, ideographs))
        ends = np.concatenate((ends, ideographs + 1))
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
    return _Words(starts, ends, np.searchsorted(line_starts, starts, side="right") - 1)


def _interleaved(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    return np.column_stack((starts, ends)).ravel()


def batch_signals(texts: Sequence[str], langs: Sequence[str | None]) -> tuple[list[Signals], np.ndarray]:
    """Return the signals of each text (in language `langs[i]`, None if unknown) and its number of CJK
    characters, for all texts at once: NumPy over the code points of the texts joined by newlines."""
    n = len(texts)
    if not n:
        return [], np.zeros(0, np.int64)
    text = "\n".join(texts)
    codes, classes = char_classes(text, _classes_of)
    size = len(codes)
    utf8 = utf8_of(text)
    text_starts = np.cumsum([0, *(len(t) + 1 for t in texts[:-1])])
    breaks = np.flatnonzero(codes == ord("\n"))
    line_starts = np.concatenate(([0], breaks + 1))
    line_ends = np.append(breaks, size)
    line_text = np.searchsorted(text_starts, line_starts, side="right") - 1

    def per_text(positions: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        found = np.searchsorted(text_starts, positions, side="right") - 1
        return np.bincount(found, weights, minlength=n).astype(np.int64)

    words = _words(classes, line_starts)
    word_text = line_text[words.line]
    n_words = np.bincount(word_text, minlength=n)
    word_chars = np.bincount(word_text, words.ends - words.starts, minlength=n).astype(np.int64)
    line_words = np.bincount(words.line, minlength=len(line_starts))

    # `#`, and `...` (non-overlapping, as `str.count`) or `…`.
    dots = np.flatnonzero(np.diff(codes == ord("."), prepend=False, append=False))
    ellipses = per_text(dots[::2], (dots[1::2] - dots[::2]) // 3) + per_text(np.flatnonzero(codes == 0x2026))
    symbols = np.maximum(per_text(np.flatnonzero(codes == ord("#"))), ellipses)

    # Each line stripped of invisible characters at both ends; blank lines are left out.
    invisible = (classes & _INVISIBLE) > 0
    strip_starts = _walk(line_starts, line_ends, invisible, 1)
    strip_ends = _walk(line_ends, strip_starts, invisible, -1)
    kept = np.flatnonzero(strip_ends > strip_starts)
    kept_text = line_text[kept]
    n_lines = np.bincount(kept_text, minlength=n)
    terminal = np.bincount(kept_text[(classes[strip_ends[kept] - 1] & _TERMINAL) > 0], minlength=n)
    stripped = slices(utf8, _interleaved(strip_starts[kept], strip_ends[kept])).dictionary_encode()
    distinct = max(len(stripped.dictionary), 1)
    pairs = np.unique(kept_text * distinct + stripped.indices.to_numpy())
    repeated = n_lines - np.bincount(pairs // distinct, minlength=n)

    # Sentence ends: a run of `. ! ?`, then closing quotes or brackets, then whitespace or the end
    # of the stripped line; or any of `。！？`. Counted in lines of at least 3 words.
    is_stop = (classes & _STOP) > 0
    stops = np.flatnonzero(is_stop & ~np.append(is_stop[1:], False)) + 1  # just after each run
    stop_line = np.searchsorted(line_starts, stops - 1, side="right") - 1
    after = _walk(stops, strip_ends[stop_line], (classes & _CLOSER) > 0, 1)
    spaced = (classes[np.minimum(after, size - 1)] & _SPACE) > 0
    ended = (after == strip_ends[stop_line]) | spaced
    full_width = np.flatnonzero(classes & _FULL_WIDTH_STOP)
    full_width_line = np.searchsorted(line_starts, full_width, side="right") - 1
    per_line = np.bincount(np.concatenate((stop_line[ended], full_width_line)), minlength=len(line_starts))
    per_line[line_words < _MIN_SENTENCE_LINE_WORDS] = 0
    sentences = np.bincount(line_text, per_line, minlength=n).astype(np.int64)

    counts = _stopword_counts(slices(utf8, _interleaved(words.starts, words.ends)), word_text, langs)
    mean_length = np.divide(word_chars, n_words, out=np.zeros(n), where=n_words > 0)
    ratio = symbols / np.maximum(n_words, 1)
    dup_share = np.divide(repeated, n_lines, out=np.zeros(n), where=n_lines > 0)
    term_share = np.divide(terminal, n_lines, out=np.zeros(n), where=n_lines > 0)
    rows = [
        Signals(*row)
        for row in zip(
            n_words.tolist(),
            sentences.tolist(),
            mean_length.tolist(),
            ratio.tolist(),
            counts,
            dup_share.tolist(),
            term_share.tolist(),
            strict=True,
        )
    ]
    return rows, per_text(np.flatnonzero(classes & _CJK))


def _stopword_counts(
    words: pa.LargeStringArray, word_text: np.ndarray, langs: Sequence[str | None]
) -> list[int | None]:
    """Stopwords among each text's `words` (`word_text`: the text of each), of its language's list
    (None without one) or, for a text without a language, of the list that matches most."""
    n = len(langs)
    found = words.dictionary_encode()
    vocab = lower(found.dictionary)
    ids = found.indices.to_numpy()
    counts: list[int | None] = [None] * n
    by_list: dict[str, list[int]] = {}
    unknown = []
    for i, lang in enumerate(langs):
        if lang is None or lang in _UNKNOWN_LANGS:
            unknown.append(i)
        elif (name := _list_of(lang)) is not None:
            by_list.setdefault(name, []).append(i)
    for name, members in by_list.items():
        in_list = pc.is_in(vocab, value_set=_stopword_array(name)).to_numpy(zero_copy_only=False)
        is_member = np.zeros(n, bool)
        is_member[members] = True
        hits = np.bincount(word_text[in_list[ids] & is_member[word_text]], minlength=n)
        for i in members:
            counts[i] = int(hits[i])
    if unknown:
        bounds = np.searchsorted(word_text, np.arange(n + 1))
        for i in unknown:
            counts[i] = _best_list_count(found.dictionary.take(ids[bounds[i] : bounds[i + 1]]).to_pylist())
    return counts


def _unsegmented(lang: str | None, word_count: int, cjk_chars: int, cfg: QualityConfig) -> bool:
    """Whether a text is written without spaces between words (by `lang`, else by its script)."""
    if lang is None or lang in _UNKNOWN_LANGS:
        return cjk_chars * 2 > word_count
    return lang in cfg.unsegmented_languages


def quality_reason(
    signals: Signals, lang: str | None, cfg: QualityConfig, unsegmented: bool = False
) -> str | None:
    """Return the reason code of the first check `signals` fail under `cfg`, or None.

    Word count, word length and symbol checks are skipped for `unsegmented` text, the sentence
    and terminal punctuation checks for languages in `cfg.unpunctuated_languages`.
    """
    if not unsegmented:
        if signals.word_count < cfg.min_words:
            return schema.REJECT_TOO_FEW_WORDS
        if signals.word_count > cfg.max_words:
            return schema.REJECT_TOO_MANY_WORDS
    punctuated = lang not in cfg.unpunctuated_languages
    if punctuated and signals.sentence_count < cfg.min_sentences:
        return schema.REJECT_TOO_FEW_SENTENCES
    if (
        punctuated
        and signals.sentence_count < cfg.thin_page_sentences
        and signals.terminal_punct_share < cfg.thin_page_min_terminal_share
    ):
        return schema.REJECT_THIN_PAGE
    if not unsegmented:
        if not cfg.min_mean_word_length <= signals.mean_word_length <= cfg.max_mean_word_length:
            return schema.REJECT_MEAN_WORD_LENGTH
        if signals.symbol_word_ratio > cfg.max_symbol_word_ratio:
            return schema.REJECT_SYMBOL_RATIO
    if signals.stopword_count is not None and signals.stopword_count < cfg.min_stopwords:
        return schema.REJECT_NO_STOPWORDS
    if signals.duplicate_line_share > cfg.max_duplicate_line_share:
        return schema.REJECT_DUPLICATE_LINES
    if punctuated and signals.terminal_punct_share < cfg.min_terminal_punct_share:
        return schema.REJECT_FEW_TERMINAL_PUNCTUATION
    return None


def compute_quality_signals(table: pa.Table, cfg: QualityConfig) -> pa.Table:
    """Add the signal columns and `reject_reason` to `table` (reads `text`, and `lang` if present).

    Rows are never dropped. With `cfg.enabled` false the signals are still added but nothing is
    rejected. An existing non-null `reject_reason` is kept.
    """
    texts = table.column("text").to_pylist()
    langs = table.column("lang").to_pylist() if "lang" in table.column_names else [None] * len(texts)
    previous = (
        table.column("reject_reason").to_pylist()
        if "reject_reason" in table.column_names
        else [None] * len(texts)
    )
    rows, cjk_chars = batch_signals([text or "" for text in texts], langs)
    reasons = [
        prev or quality_reason(sig, lang, cfg, _unsegmented(lang, sig.word_count, cjk, cfg))
        if cfg.enabled
        else prev
        for sig, lang, cjk, prev in zip(rows, langs, cjk_chars.tolist(), previous, strict=True)
    ]
    types = (pa.int64(), pa.int64(), pa.float64(), pa.float64(), pa.int64(), pa.float64(), pa.float64())
    for index, (name, kind) in enumerate(zip(SIGNAL_COLUMNS, types, strict=True)):
        table = set_column(table, name, pa.array([row[index] for row in rows], kind))
    return set_column(table, "reject_reason", pa.array(reasons, pa.string()))
