"""A text as NumPy arrays of its code points and their character classes, and strings cut from it.

Each stage names the classes it tests as bit flags of one character, computed by Python's own
string methods (`str.isspace`, `str.isalnum`, ...); `char_classes` looks them up in a table of the
Basic Multilingual Plane built once per process, so array code over them counts what the `re`
module's `\\w` and `\\s` match.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ClassesOf = Callable[[str], int]


@cache
def _bmp_table(classes_of: ClassesOf) -> np.ndarray:
    """The classes of every code point of the Basic Multilingual Plane."""
    return np.array([classes_of(chr(code)) for code in range(0x10000)], dtype=np.uint8)


def char_classes(text: str, classes_of: ClassesOf) -> tuple[np.ndarray, np.ndarray]:
    """Return the code points of `text` and the classes (`classes_of`, 8 bit flags) of each."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _bmp_table(classes_of).take(codes, mode="clip")  # code points past the BMP: fixed below
    for i in np.flatnonzero(codes > 0xFFFF):
        classes[i] = classes_of(text[i])
    return codes, classes


class Utf8(NamedTuple):
    """A text's UTF-8 bytes, and where each of its code points starts in them (then their end)."""

    data: pa.Buffer
    at: np.ndarray


def utf8_of(text: str) -> Utf8:
    """Return the UTF-8 of `text` (lone surrogates take three bytes, as "surrogatepass" writes them)."""
    data = text.encode("utf-8", "surrogatepass")
    # A code point starts at every byte but the continuation bytes (0b10xxxxxx); the end after them.
    at = np.flatnonzero((np.frombuffer(data + b"\0", np.uint8) & 0xC0) != 0x80)
    return Utf8(pa.py_buffer(data), at)


def slices(utf8: Utf8, edges: np.ndarray) -> pa.LargeStringArray:
    """Return the strings between code point positions `edges[0]` and `edges[1]`, `edges[2]` and
    `edges[3]`, ... (non-decreasing), cut out of the UTF-8 bytes by Arrow."""
    # The strings between consecutive edges: the wanted ones at even positions, the gaps between.
    pieces = pa.LargeStringArray.from_buffers(max(len(edges) - 1, 0), pa.py_buffer(utf8.at[edges]), utf8.data)
    return pieces.take(np.arange(0, len(edges), 2))


def lower(strings: pa.LargeStringArray) -> pa.LargeStringArray:
    """Lower-case `strings` as `str.lower` does: by Arrow where a string is ASCII (both agree there),
    by Python for the others."""
    other = pc.invert(pc.string_is_ascii(strings))
    lowered = pc.ascii_lower(strings)
    if pc.any(other).as_py():
        python_lower = [word.lower() for word in strings.filter(other).to_pylist()]
        lowered = pc.replace_with_mask(lowered, other, pa.array(python_lower, lowered.type))
    return lowered
