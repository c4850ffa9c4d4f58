"""Exact duplicates, and the words all of dedup works on.

A text's words are its maximal runs of letters, digits and combining marks (Unicode categories
L, N, M; characters outside the Basic Multilingual Plane count as letters), lowercased. Everything
else (punctuation, symbols, spaces, line breaks) only separates words. Two texts with the same
words in the same order are exact duplicates, whatever their case, punctuation or spacing (a copy
re-flowed by another extractor). `fold_texts` returns the words joined by single spaces, for
reading and for reference implementations; dedup itself never builds those strings.

Hashing is vectorised over the UTF-8 bytes of a batch: a word's hash is a polynomial hash of its
bytes taken from prefix sums (mod 2**64, which NumPy's wrapping arithmetic computes), a text's
hash the same polynomial over its word hashes; both go through the murmur3 finaliser. No Python
loop runs per word.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Version of the word rule and hashes; stored in dedup indexes, only comparable under one rule.
FOLD_VERSION = 2

BASE = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64
_BASE_INV = pow(BASE, -1, 2**64)
_TABLE_SIZE = 1 << 21  # power tables cached per process up to this many bytes (16 MiB each)
_CHUNK_BYTES = 1 << 20  # bytes of text per internal chunk: keeps the work arrays small
_ASCII_WORD = np.array([chr(c).isascii() and chr(c).isalnum() for c in range(128)])


def fold_texts(texts: pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    """Return each text's words joined by single spaces (null becomes empty)."""
    folded = pc.replace_substring_regex(pc.utf8_lower(texts), r"[^\pL\pN\pM]+", " ")
    folded = pc.fill_null(pc.utf8_trim(folded, characters=" "), "")
    if isinstance(folded, pa.ChunkedArray):
        folded = folded.combine_chunks() if folded.num_chunks else pa.array([], pa.string())
    return folded.cast(pa.large_string())


def fmix64(h: np.ndarray) -> np.ndarray:
    """Apply murmur3's 64-bit finaliser in place (every input bit reaches every output bit)."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def _powers(base: int, n: int) -> np.ndarray:
    out = np.full(n, base, np.uint64)
    out[0] = 1
    return np.cumprod(out, out=out)


@lru_cache(maxsize=1)
def _cached_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    return _powers(BASE, n), _powers(_BASE_INV, n)


def power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return BASE**i and BASE**-i (mod 2**64) for i <= size."""
    if size < _TABLE_SIZE:
        return _cached_powers(_TABLE_SIZE)
    return _powers(BASE, size + 1), _powers(_BASE_INV, size + 1)


def span_hashes(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Return the polynomial hash sum(values[i] * BASE**(i - lo)) of each span [lo, hi) (not mixed)."""
    powers, inverse = power_tables(len(values))
    prefix = np.concatenate((np.zeros(1, np.uint64), np.cumsum(values * powers[: len(values)])))
    return (prefix[hi] - prefix[lo]) * inverse[lo]


@lru_cache(maxsize=1)
def _bmp_word_chars() -> np.ndarray:
    return np.array([unicodedata.category(chr(c))[0] in "LNM" for c in range(0x10000)])


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """Return, for each UTF-8 byte, whether it belongs to a word character."""
    high = np.flatnonzero(data >= 0x80)
    if not len(high):
        return _ASCII_WORD[data]
    word = np.zeros(len(data), bool)
    low = data < 0x80
    word[low] = _ASCII_WORD[data[low]]
    padded = np.concatenate((data, np.zeros(3, np.uint8))).astype(np.uint32)
    lead = high[data[high] >= 0xC0]
    b0, b1, b2 = padded[lead], padded[lead + 1] & 0x3F, padded[lead + 2] & 0x3F
    code = np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | b1, ((b0 & 0x0F) << 12) | (b1 << 6) | b2)
    word[lead] = np.where(b0 >= 0xF0, True, _bmp_word_chars()[code & 0xFFFF])
    # A continuation byte belongs to the character of the closest lead byte before it.
    cont = high[data[high] < 0xC0]
    word[cont] = word[lead[np.searchsorted(lead, cont) - 1]]
    return word


def word_hashes(texts: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Return the hash of every word of the texts (uint64) and the row of each, in order."""
    lowered = pc.fill_null(pc.utf8_lower(texts), "")
    if isinstance(lowered, pa.ChunkedArray):
        lowered = lowered.combine_chunks() if lowered.num_chunks else pa.array([], pa.string())
    lowered = lowered.cast(pa.large_string())
    n = len(lowered)
    offsets = np.frombuffer(lowered.buffers()[1], np.int64, n + 1, lowered.offset * 8)
    base = int(offsets[0])
    offsets = offsets - base
    size = int(offsets[-1])
    if size == 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    data = np.frombuffer(lowered.buffers()[2], np.uint8, size, base)
    word = _word_bytes(data)
    row_start = np.zeros(size + 1, bool)  # a row starts (or the batch ends) before this byte
    row_start[offsets] = True
    before = np.zeros(size, bool)
    before[1:] = word[:-1]
    after = np.zeros(size, bool)
    after[:-1] = word[1:]
    starts = np.flatnonzero(word & (~before | row_start[:-1]))
    ends = np.flatnonzero(word & (~after | row_start[1:])) + 1
    rows = np.searchsorted(offsets, starts, side="right") - 1
    return fmix64(span_hashes(data, starts, ends)), rows


def text_hashes(hashes: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Return one hash per row from its word hashes in order (0 for a row without words)."""
    counts = np.bincount(rows, minlength=n)
    first = np.concatenate(([0], np.cumsum(counts)))
    out = span_hashes(hashes, first[:-1], first[1:])
    out += counts.astype(np.uint64) * np.uint64(BASE)
    return np.where(counts > 0, fmix64(out), np.uint64(0))


def large_strings(texts: pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    """Return `texts` as one contiguous large-string array (the layout the hashing reads)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    return texts.cast(pa.large_string())


def text_chunks(texts: pa.LargeStringArray) -> list[tuple[int, int]]:
    """Split rows into runs `[lo, hi)` of about 1 MiB of text, so per-byte work arrays stay small."""
    n = len(texts)
    if n == 0:
        return []
    offsets = np.frombuffer(texts.buffers()[1], np.int64, n + 1, texts.offset * 8)
    cuts = np.searchsorted(offsets, np.arange(offsets[0], offsets[-1], _CHUNK_BYTES), side="right") - 1
    bounds = sorted({0, n, *cuts.clip(0, n).tolist()})
    return list(itertools.pairwise(bounds))


def exact_hashes(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return the 64-bit hash of each text's word sequence (uint64; 0 for a text without words)."""
    texts = large_strings(texts)
    out = np.zeros(len(texts), np.uint64)
    for lo, hi in text_chunks(texts):
        out[lo:hi] = text_hashes(*word_hashes(texts.slice(lo, hi - lo)), hi - lo)
    return out


def exact_edges(hashes: np.ndarray, group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return edges `(a, b)` chaining the rows of equal hash, in row order within each hash.

    Rows are expected in a canonical order (sorted by id). With `group` (e.g. a split code), rows are
    chained by `(hash, group, row)`, so every change of group within an exact group is one edge.
    """
    rows = np.arange(len(hashes))
    order = np.lexsort((rows, hashes) if group is None else (rows, group, hashes))
    same = hashes[order[1:]] == hashes[order[:-1]]
    return order[:-1][same], order[1:][same]
