"""Normalization: the rules of issue 2, exact outputs, and idempotence on arbitrary text."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from corpus_kit.stages.normalize import normalize, normalize_text
from tests.conftest import SEEDS, SHARED


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


def _every_substitution(text: str) -> str:
    """The rules of the module docstring as plain substitutions, each always applied."""
    text = re.sub(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]", "\n", text)
    text = re.sub("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]", " ", text)
    text = re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]", "", text)
    text = re.sub(" {2,}", " ", unicodedata.normalize("NFC", text))
    text = re.sub(r"\n[ \t]+", "\n", re.sub(r"[ \t]+\n", "\n", text)).strip(" \t")
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


# Text made mostly of the characters the rules act on, so that every branch is taken.
_SPACEY = st.text(st.sampled_from(list(" \t\n\r\x0b\x0c\x85\u2028\u00a0\u3000\x00\x7f\ufeffe\u0301ab")))


@given(st.one_of(st.text(), _SPACEY))
def test_same_as_every_substitution_applied(text: str) -> None:
    assert normalize_text(text) == _every_substitution(text)


def test_same_as_every_substitution_on_seed_and_shared_texts() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    shared = SHARED / "data" / "neardup" / "scrapinghub_extractions.jsonl.gz"
    if shared.exists():
        with gzip.open(shared, "rt", encoding="utf-8") as stream:
            texts += [json.loads(line)["text"] for line in stream]
    assert [normalize_text(t) for t in texts] == [_every_substitution(t) for t in texts]
