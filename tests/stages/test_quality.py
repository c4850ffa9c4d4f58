"""Quality signals: exact values on small real texts, each reject reason, real articles pass."""

from __future__ import annotations

import dataclasses
import gzip
import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import QualityConfig
from corpus_kit.errors import ConfigError
from corpus_kit.stages import quality as quality_module
from corpus_kit.stages.line_features import stopwords
from corpus_kit.stages.normalize import normalize_text
from corpus_kit.stages.quality import SIGNAL_COLUMNS, Signals, compute_quality_signals, document_signals
from tests.conftest import SEEDS, shared_data

CFG = QualityConfig()
# seeds/001: a DW interview (2015). Its paragraphs are the real prose the cases below are cut from.
INTERVIEW = normalize_text((SEEDS / "001_66b4bbf42a475dd1.txt").read_text(encoding="utf-8"))
PARAGRAPHS = [p for p in INTERVIEW.split("\n\n") if len(p) > 300]
# seeds/000: the Independent (2011); from "Suggested Topics" on, the page's teaser headlines.
INDEPENDENT = normalize_text((SEEDS / "000_d2e5173d4dcb53ba.txt").read_text(encoding="utf-8"))
TEASERS = [
    line
    for line in INDEPENDENT[INDEPENDENT.index("Day In a Page") :].split("\n")
    if len(line.split()) >= 4 and not line.endswith((".", "?", "!", "'"))
]


def quality(texts: list[str], langs: list[str | None] | None = None, cfg: QualityConfig = CFG) -> list[dict]:
    columns = {"id": [str(i) for i in range(len(texts))], "text": texts}
    if langs is not None:
        columns["lang"] = langs
    return compute_quality_signals(pa.table(columns), cfg).to_pylist()


def test_signals_of_a_small_text() -> None:
    text = "Kerry praised the army.\nKerry praised the army.\n\nWhat next... #Pakistan"
    english = stopwords()["en"]
    words = ["Kerry", "praised", "the", "army", "Kerry", "praised", "the", "army", "What", "next", "Pakistan"]
    assert document_signals(text, "en") == Signals(
        word_count=11,
        sentence_count=3,
        mean_word_length=sum(map(len, words)) / 11,
        symbol_word_ratio=1 / 11,
        stopword_count=sum(w.lower() in english for w in words),
        duplicate_line_share=1 / 3,
        terminal_punct_share=2 / 3,
    )


def test_sentences_are_counted_in_lines_of_three_words() -> None:
    # A headline, three sentences, a two-word exclamation (too short a line), CJK sentences ended
    # by 。 without spaces, and two sentences on a line that ends in a copyright notice.
    text = (
        "An important ally\nHe spoke. She listened! Did it help?\nWell done!\n会議は終わった。結果は良い。\n"
        "Kerry praised the army. He called for more. © 2015 Deutsche Welle"
    )
    assert document_signals(text).sentence_count == 7


def test_seeds_pass() -> None:
    rows = quality(
        [normalize_text(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))], ["en", "en"]
    )
    assert [(r["word_count"], r["reject_reason"]) for r in rows] == [(1228, None), (1213, None)]


def test_each_reason() -> None:
    telegraphic = " ".join(
        w for w in PARAGRAPHS[1].split() if w.lower().strip('.,"') not in stopwords()["en"]
    )
    joined = " ".join(a + b for a, b in zip(*[iter(" ".join(PARAGRAPHS[:3]).split())] * 2, strict=False))
    texts = {
        schema.REJECT_TOO_FEW_WORDS: PARAGRAPHS[0],
        schema.REJECT_TOO_FEW_SENTENCES: "\n".join([PARAGRAPHS[0].split(". ")[0] + ".", *TEASERS[:6]]),
        schema.REJECT_THIN_PAGE: "\n".join([PARAGRAPHS[0], *TEASERS[:6]]),
        schema.REJECT_MEAN_WORD_LENGTH: joined,
        schema.REJECT_SYMBOL_RATIO: " ".join(f"#{w}" if w.istitle() else w for w in PARAGRAPHS[2].split()),
        schema.REJECT_NO_STOPWORDS: telegraphic,
        schema.REJECT_DUPLICATE_LINES: "\n".join(PARAGRAPHS[:3] * 2),
        schema.REJECT_FEW_TERMINAL_PUNCTUATION: "\n".join([*PARAGRAPHS[:3], *TEASERS[:30]]),
        None: "\n\n".join(PARAGRAPHS[:3]),
    }
    rows = quality(list(texts.values()), ["en"] * len(texts))
    assert [r["reject_reason"] for r in rows] == list(texts)


def test_thresholds_come_from_the_config() -> None:
    text = "\n\n".join(PARAGRAPHS[:3])
    strict = dataclasses.replace(CFG, min_words=10_000)
    assert [r["reject_reason"] for r in quality([text], ["en"], strict)] == [schema.REJECT_TOO_FEW_WORDS]
    off = dataclasses.replace(CFG, enabled=False)
    (row,) = quality([""], None, off)
    assert row == {"id": "0", "text": "", **dict.fromkeys(SIGNAL_COLUMNS, 0)} | {
        "mean_word_length": 0.0,
        "symbol_word_ratio": 0.0,
        "duplicate_line_share": 0.0,
        "terminal_punct_share": 0.0,
        "reject_reason": None,
    }
    with pytest.raises(ConfigError, match="max_duplicate_line_share"):
        QualityConfig(max_duplicate_line_share=1.5)


def test_existing_reject_reason_is_kept_and_rows_are_never_dropped() -> None:
    table = pa.table(
        {
            "text": [PARAGRAPHS[0], "\n\n".join(PARAGRAPHS[:3]), ""],
            "reject_reason": [schema.REJECT_EXACT_DUPLICATE, None, None],
        }
    )
    out = compute_quality_signals(table, CFG)
    assert out.num_rows == 3
    assert out.column("reject_reason").to_pylist() == [
        schema.REJECT_EXACT_DUPLICATE,
        None,
        schema.REJECT_TOO_FEW_WORDS,
    ]
    assert out.column_names == ["text", "reject_reason", *SIGNAL_COLUMNS]
    assert compute_quality_signals(table, CFG).equals(out)  # deterministic


def test_languages_without_spaces_or_stopword_lists() -> None:
    japanese = "会議は終わった。結果は良い。" * 3
    # Known language without a list: no stopword count; CJK text by its script when lang is unknown.
    (ko,) = quality(["\n".join(PARAGRAPHS[:3])], ["ko"])
    assert ko["stopword_count"] is None and ko["reject_reason"] is None
    (ja,) = quality([japanese], [None])
    assert (ja["word_count"], ja["stopword_count"], ja["reject_reason"]) == (36, None, None)
    (ja_labelled,) = quality([japanese], ["ja"])
    assert ja_labelled["reject_reason"] is None
    # The same text as English would fail on its one-character words.
    (as_english,) = quality([japanese], ["en"])
    assert as_english["reject_reason"] == schema.REJECT_TOO_FEW_WORDS


def test_real_articles_pass() -> None:
    """ScrapingHub's human article bodies: all but a standings table, a calendar, a deals list
    and a recipe list with repeated ingredient lines pass, with no language given."""
    path = shared_data("data", "boilerplate", "scrapinghub_aeb.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        pages = [json.loads(line) for line in lines]
    rows = quality([normalize_text(p["gt_text"]) for p in pages])
    rejected = {p["url"]: r["reject_reason"] for p, r in zip(pages, rows, strict=True) if r["reject_reason"]}
    assert rejected == {
        "http://www.autoracing.com.br/classificacao-nascar/": schema.REJECT_FEW_TERMINAL_PUNCTUATION,
        "http://www.autoracing.com.br/calendario-stock-car-2018/": schema.REJECT_TOO_FEW_SENTENCES,
        "https://bgr.com/2019/11/19/apple-black-friday-2019-deals-best-available-now/": (
            schema.REJECT_FEW_TERMINAL_PUNCTUATION
        ),
        "https://www.beachbodyondemand.com/blog/a-little-more-obsessed-meal-prep": (
            schema.REJECT_DUPLICATE_LINES
        ),
    }


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "und", "en", "de", "ja", "ko", "th"]))
def test_signals_are_in_range_for_any_text(text: str, lang: str | None) -> None:
    signals = document_signals(text, lang)
    assert 0 <= signals.sentence_count <= signals.word_count or signals.word_count == 0
    assert 0.0 <= signals.duplicate_line_share < 1.0
    assert 0.0 <= signals.terminal_punct_share <= 1.0
    assert signals.symbol_word_ratio >= 0.0 and signals.mean_word_length >= 0.0
    assert signals.stopword_count is None or signals.stopword_count <= signals.word_count


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab 1_.!?\n\t\u200b\u3042,'\"”»)-"), max_size=200))
def test_words_and_sentences_follow_their_definitions(text: str) -> None:
    # Words of the whole text; sentence ends counted in stripped lines of at least three words.
    words = quality_module._WORD.findall(text)
    lines = [line.strip(quality_module._INVISIBLE) for line in text.split("\n")]
    sentences = sum(
        len(quality_module._SENTENCE_END.findall(line))
        for line in lines
        if len(quality_module._WORD.findall(line)) >= 3
    )
    signals = document_signals(text)
    assert (signals.word_count, signals.sentence_count) == (len(words), sentences)
    assert signals.mean_word_length == (sum(map(len, words)) / len(words) if words else 0.0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_words_are_the_words_of_ascii_text(text: str) -> None:
    assert quality_module._ASCII_WORD.findall(text) == quality_module._WORD.findall(text)
