"""Document quality signals (the Gopher / C4 / FineWeb family) and rejects below thresholds.

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
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from itertools import chain
from typing import NamedTuple

import pyarrow as pa

from corpus_kit import schema
from corpus_kit.config import QualityConfig
from corpus_kit.stages.line_features import stopwords
from corpus_kit.tables import set_column

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A word runs from its first to its last letter or digit within a whitespace token; a CJK
# character is a word by itself.
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}](?:[^\s{_CJK}]*[^\W_{_CJK}])?")
# The same for an ASCII line, whose letters and digits are these (most lines; 1.7x faster).
_ASCII_WORD = re.compile(r"[A-Za-z0-9](?:\S*[A-Za-z0-9])?")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TERMINAL = tuple(".!?\"'”’»。！？")
# A sentence ends at . ! ? (then closing quotes or brackets) before a space or the line's end, or
# at 。！？ anywhere.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?:\s|$)|[。！？]")
_MIN_SENTENCE_LINE_WORDS = 3
_INVISIBLE = " \t\u200b\u200c\u200d\u2060\ufeff"
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


def _covered(word: str) -> bool:
    """Whether `word` starts in a script the bundled lists are written in (Latin, Cyrillic)."""
    first = word[0]
    return first < "\u0370" or "\u0400" <= first < "\u0530"


def _stopword_count(words: list[str], lang: str | None) -> int | None:
    lists = stopwords()
    if lang is None or lang in _UNKNOWN_LANGS:
        # No language: the best-matching list, if most words are in scripts the lists cover.
        if sum(map(_covered, words)) * 2 < len(words):
            return None
        index = _stopword_languages()
        per_lang = Counter(lang for word in map(str.lower, words) for lang in index.get(word, ()))
        return max(per_lang.values(), default=0)
    stop = lists.get(lang) or lists.get(lang.split("-")[0])
    return None if stop is None else sum(map(stop.__contains__, map(str.lower, words)))


def document_signals(text: str, lang: str | None = None) -> Signals:
    """Return the quality signals of one text whose language is `lang` (None if unknown)."""
    # No word spans a line break (`\s`), so the text's words are its lines' words in order.
    raw_lines = text.split("\n")
    line_words = [(_ASCII_WORD if line.isascii() else _WORD).findall(line) for line in raw_lines]
    words = list(chain.from_iterable(line_words))
    n_words = len(words)
    symbols = max(text.count("#"), text.count("...") + text.count("…"))
    # Stripping a line's ends of spaces and zero-width characters leaves its words as they are.
    stripped = [(line.strip(_INVISIBLE), found) for line, found in zip(raw_lines, line_words, strict=True)]
    stripped = [(line, found) for line, found in stripped if line]
    lines = [line for line, _ in stripped]
    repeated = len(lines) - len(set(lines))
    sentence_lines = [line for line in lines if line.endswith(_TERMINAL)]
    sentences = 0
    for line, found in stripped:
        if len(found) >= _MIN_SENTENCE_LINE_WORDS:
            sentences += len(_SENTENCE_END.findall(line))
    return Signals(
        word_count=n_words,
        sentence_count=sentences,
        mean_word_length=sum(map(len, words)) / n_words if n_words else 0.0,
        symbol_word_ratio=symbols / max(n_words, 1),
        stopword_count=_stopword_count(words, lang),
        duplicate_line_share=repeated / len(lines) if lines else 0.0,
        terminal_punct_share=len(sentence_lines) / len(lines) if lines else 0.0,
    )


def _unsegmented(text: str, lang: str | None, word_count: int, cfg: QualityConfig) -> bool:
    """Whether `text` is written without spaces between words (by `lang`, else by its script)."""
    if lang is None or lang in _UNKNOWN_LANGS:
        return len(_CJK_CHAR.findall(text)) * 2 > word_count
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
    rows = [document_signals(text or "", lang) for text, lang in zip(texts, langs, strict=True)]
    reasons = [
        prev or quality_reason(sig, lang, cfg, _unsegmented(text or "", lang, sig.word_count, cfg))
        if cfg.enabled
        else prev
        for text, sig, lang, prev in zip(texts, rows, langs, previous, strict=True)
    ]
    types = (pa.int64(), pa.int64(), pa.float64(), pa.float64(), pa.int64(), pa.float64(), pa.float64())
    for index, (name, kind) in enumerate(zip(SIGNAL_COLUMNS, types, strict=True)):
        table = set_column(table, name, pa.array([row[index] for row in rows], kind))
    return set_column(table, "reject_reason", pa.array(reasons, pa.string()))
