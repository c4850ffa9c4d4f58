"""Normalization: the rules of issue 2, exact outputs, and idempotence on arbitrary text."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from corpus_kit.stages.normalize import normalize, normalize_text
from tests.conftest import SEEDS


def test_line_endings_spaces_and_controls() -> None:
    raw = "  Title\u00a0\u00a0here \r\nline\rtwo\x07\u2028three\u3000end  \n\n\n\n\nlast\t \n"
    assert normalize_text(raw) == "Title here\nline\ntwo\nthree end\n\nlast"


def test_nfc_and_bom() -> None:
    assert normalize_text("\ufeffCafe\u0301") == "Café"
    assert normalize_text("e\x00\u0301") == "\u00e9"  # removing a control char must not leave NFD text


def test_seed_paragraphs_survive() -> None:
    text = normalize_text((SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8"))
    assert text.startswith("Pakistan is '98% sure' US drone killed militant leader\n\nThe reported killing")
    assert "\n\n\n" not in text
    assert all(line == line.strip() for line in text.split("\n"))
    assert "\u00a0" not in text


def test_normalize_table_keeps_other_columns() -> None:
    table = pa.table({"id": ["a"], "text": [" x \r\n y "], "title": ["\u00a0"], "extra": [1]})
    out = normalize(table)
    assert out.to_pylist() == [{"id": "a", "text": "x\ny", "title": None, "extra": 1}]


@given(st.text())
def test_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_output_invariants(text: str) -> None:
    out = normalize_text(text)
    assert "\r" not in out and "\n\n\n" not in out and "  " not in out
    assert all(ch in "\n\t" or ord(ch) >= 0x20 for ch in out)
    assert not out.startswith("\n") and not out.endswith("\n")
    assert all(line == line.strip(" \t") for line in out.split("\n"))
    assert not set(out) & set("\u00a0\u2002\u202f\u3000\x7f\x85\u2028\ufeff")
