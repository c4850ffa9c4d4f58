"""Quality signals: exact values on small real texts, each reject reason, real articles pass."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections import Counter

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_kit import schema
from corpus_kit.config import QualityConfig
from corpus_kit.errors import ConfigError
from corpus_kit.stages.line_features import stopwords
from corpus_kit.stages.normalize import normalize_text
from corpus_kit.stages.quality import SIGNAL_COLUMNS, Signals, batch_signals, compute_quality_signals
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


# The signals' definitions, as the module docstring states them, one text at a time.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}](?:[^\s{_CJK}]*[^\W_{_CJK}])?")
SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?:\s|$)|[。！？]")
INVISIBLE = " \t\u200b\u200c\u200d\u2060\ufeff"
TERMINAL = tuple(".!?\"'”’»。！？")


def reference_signals(text: str, lang: str | None) -> Signals:
    words = WORD.findall(text)
    lines = [line.strip(INVISIBLE) for line in text.split("\n")]
    lines = [line for line in lines if line]
    sentences = sum(len(SENTENCE_END.findall(line)) for line in lines if len(WORD.findall(line)) >= 3)
    lowered = [word.lower() for word in words]
    lists = stopwords()
    if lang in (None, "", "und"):
        covered = sum(w[0] < "\u0370" or "\u0400" <= w[0] < "\u0530" for w in words)
        per_list = Counter(name for word in lowered for name, stop in lists.items() if word in stop)
        stop_count = None if covered * 2 < len(words) else max(per_list.values(), default=0)
    else:
        stop = lists.get(lang) or lists.get(lang.split("-")[0])
        stop_count = None if stop is None else sum(word in stop for word in lowered)
    symbols = max(text.count("#"), text.count("...") + text.count("…"))
    return Signals(
        word_count=len(words),
        sentence_count=sentences,
        mean_word_length=sum(map(len, words)) / len(words) if words else 0.0,
        symbol_word_ratio=symbols / max(len(words), 1),
        stopword_count=stop_count,
        duplicate_line_share=(len(lines) - len(set(lines))) / len(lines) if lines else 0.0,
        terminal_punct_share=sum(line.endswith(TERMINAL) for line in lines) / len(lines) if lines else 0.0,
    )


def document_signals(text: str, lang: str | None = None) -> Signals:
    return batch_signals([text], [lang])[0][0]


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


LANGS = [None, "und", "en", "de", "ja", "ko", "th", "ru", "zh-cn"]
ALPHABET = "ab Ab1_.!?\n\t\u200b\u3000\u3042漢。,'\"”»)]-#…İé"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.text(st.sampled_from(ALPHABET), max_size=120), st.sampled_from(LANGS)), max_size=6)
)
def test_the_signals_of_a_batch_follow_their_definitions(docs: list[tuple[str, str | None]]) -> None:
    texts, langs = [text for text, _ in docs], [lang for _, lang in docs]
    rows, cjk = batch_signals(texts, langs)
    assert rows == [reference_signals(text, lang) for text, lang in docs]
    assert cjk.tolist() == [len(re.findall(f"[{_CJK}]", text)) for text in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=200), st.sampled_from(LANGS)), max_size=4))
def test_the_signals_of_any_text_follow_their_definitions(docs: list[tuple[str, str | None]]) -> None:
    rows, _ = batch_signals([text for text, _ in docs], [lang for _, lang in docs])
    assert rows == [reference_signals(text, lang) for text, lang in docs]


def test_the_signals_of_real_pages_follow_their_definitions() -> None:
    """The naive text of the boilerplate pages (menus, tables, many scripts), with no language and
    with English, in one batch."""
    path = shared_data("data", "boilerplate", "cleaneval.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        texts = [normalize_text("\n".join(json.loads(line)["naive_lines"])) for line in lines][:300]
    texts += [INTERVIEW, INDEPENDENT]
    for langs in ([None] * len(texts), ["en"] * len(texts)):
        rows, _ = batch_signals(texts, langs)
        assert rows == [reference_signals(text, lang) for text, lang in zip(texts, langs, strict=True)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "und", "en", "de", "ja", "ko", "th"]))
def test_signals_are_in_range_for_any_text(text: str, lang: str | None) -> None:
    signals = document_signals(text, lang)
    assert 0 <= signals.sentence_count <= signals.word_count or signals.word_count == 0
    assert 0.0 <= signals.duplicate_line_share < 1.0
    assert 0.0 <= signals.terminal_punct_share <= 1.0
    assert signals.symbol_word_ratio >= 0.0 and signals.mean_word_length >= 0.0
    assert signals.stopword_count is None or signals.stopword_count <= signals.word_count
