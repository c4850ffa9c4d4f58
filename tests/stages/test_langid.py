"""Language identification: labels, `und` rules, `lang_mix`, sampling, determinism across processes.

Texts below are cut from the shared evaluation data: `lingua/...` ids are sentences, word pairs and
words of lingua-py's test data (Apache-2.0, drawn from the Leipzig Wortschatz corpora); `udhr2/...`
ids are paragraphs of the Universal Declaration of Human Rights as packaged in nltk_data.
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import json
import multiprocessing

import pyarrow as pa
import pytest

from corpus_kit.config import LangidConfig, config_from_dict
from corpus_kit.errors import ConfigError
from corpus_kit.stages.langid import _sample, detect_language, detect_languages
from tests.conftest import shared_data

CFG = LangidConfig()

# (id, text, expected (lang, lang_prob)) with ids in the shared language set.
LABELLED = [
    (
        "lingua/sentences/bg/0000",
        "Иначе съм солидарен с №№ 2 и 3. Прекалено дълго ни мачкаха, за да можем свободно да вдигнем глава.",
        ("bg", 1.0),
    ),
    (
        "lingua/sentences/de/0001",
        "L. Ron Hubbard hat uns die Technologie gegeben, mit der wir alle frei sein können.",
        ("de", 1.0),
    ),
    (
        "lingua/sentences/en/0001",
        "Exhibitors are also responsible to comply with all rules and regulations contained in the "
        "Exhibitor Manual.",
        ("en", 1.0),
    ),
    ("lingua/sentences/ru/0000", "Все это довольно срочно.", ("ru", 1.0)),
    (
        "lingua/sentences/ja/0000",
        "どうしても10場合をプレミアムペイントする建物は、ひび割れを出すのか出さないのかなどさらに細かい補修があり、"
        "最も適した30坪びはどうしたらいいか。",
        ("ja", 1.0),
    ),
    (
        "lingua/sentences/ko/0000",
        "북핵외교를 전담하는 별도조직인 한반도평화교섭본부가 있어 6자회담 실무그룹 회의 "
        "등을 착실히 준비하고 있다는게 외교부의 설명이지만 송 장관으로서는 북핵 관련 "
        "보고를 받기 조차 버거운 처지라는게 주변의 전언이다.",
        ("ko", 1.0),
    ),
    (
        "udhr2/cmn_hans/002",
        "第一条\n人人生而自由,在尊严和权利上一律平等。他们赋有理性和良心,并应以兄弟关系的精神相对待。",
        ("zh-cn", 1.0),
    ),
    ("lingua/word-pairs/fr/0001", "utilisant trajet", ("fr", 0.927967)),
    ("lingua/single-words/de/0000", "rbeitet", ("de", 0.973447)),
    # Unsupported languages: Armenian and Georgian letters are in no profile.
    (
        "lingua/sentences/hy/0003",
        "1992 թվականին ավարտել է Ուկրաինայի Ներքին գործերի ակադեմիան։",
        ("und", 0.0),
    ),
    (
        "lingua/sentences/ka/0000",
        "106 წელს აქ გაიმართა სარმიზეგეტუზის ბრძოლა, რომელიც გადამწყვეტი აღმოჩნდა ტრაიანე -დეცებალის "
        "101 106 წლების ომის პერიოდში.",
        ("und", 0.0),
    ),
    # A limit, kept visible: Basque shares Latin letters with supported languages and fits Indonesian.
    ("lingua/sentences/eu/0000", "1017ko abenduan iritsi zen Italiara.", ("id", 1.0)),
]
TEXTS = [text for _, text, _ in LABELLED]

EN = TEXTS[2]  # lingua/sentences/en/0001
DE = "Und wie kann ein Kunde erkennen, ob er zuviel bezahlt hat und ob er sich an Sie wenden soll?"  # de/0011


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in LABELLED], ids=[i for i, _, _ in LABELLED]
)
def test_labels_and_probabilities(text: str, expected: tuple[str, float]) -> None:
    assert detect_language(text, CFG) == expected


@pytest.mark.parametrize(
    "text", ["", "   \n ", "12 345 !!! 2024-01-01", "https://example.com/a/b info@example.com"]
)
def test_no_letters_is_und(text: str) -> None:
    assert detect_language(text, CFG) == ("und", 0.0)


def test_min_chars_and_min_prob() -> None:
    assert detect_language("rbeitet", LangidConfig(min_chars=8)) == ("und", 0.0)
    assert detect_language("rbeitet", LangidConfig(min_chars=7)) == ("de", 0.973447)
    # Below `min_prob` the label is und, and lang_prob still tells how close it was.
    assert detect_language("utilisant trajet", LangidConfig(min_prob=0.95)) == ("und", 0.927967)


def test_unknown_letter_share() -> None:
    kazakh = "1850 жылдан бастап ел экономикасы тез дамып, экспортқа арнап кофе мен банан өсіріле бастады."
    # lingua/sentences/kk/0001: 2 of 76 letters (қ, ө) are in no profile, under the default 5 %.
    assert detect_language(kazakh, CFG) == ("ru", 1.0)
    assert detect_language(kazakh, LangidConfig(max_unknown_letters=0.02)) == ("und", 0.0)


def test_letters_of_unknown_scripts_in_a_mostly_known_text() -> None:
    armenian = TEXTS[9]  # under half of the letters: the English line decides
    assert detect_language(f"{EN}\n{armenian}", CFG) == ("en", 1.0)
    assert detect_language(f"{armenian}\n{armenian}\n{EN}", CFG) == ("und", 0.0)


def test_seed_does_not_change_results() -> None:
    assert [detect_language(t, LangidConfig(seed=7)) for t in TEXTS] == [
        detect_language(t, CFG) for t in TEXTS
    ]


def test_lang_mix_weighs_lines_by_letters() -> None:
    table = pa.table({"text": [f"{EN}\n{EN}\n{DE}", f"{DE}\n\n{DE}\n{EN}\nShort line.", EN]})
    out = detect_languages(table, CFG)
    assert out.column("lang").to_pylist() == ["en", "de", "en"]
    en, de = _letters(EN), _letters(DE)
    # "Short line." has under `mix_min_chars` letters and is left out.
    assert out.column("lang_mix").to_pylist() == [
        round(2 * en / (2 * en + de), 6),
        round(2 * de / (2 * de + en), 6),
        1.0,
    ]


def test_table_columns_and_order_are_kept() -> None:
    table = pa.table(
        {
            "id": ["a", "b", "c"],
            "text": [TEXTS[0], "", TEXTS[2]],
            "lang": ["xx", "xx", "xx"],  # stale values are replaced
            "n_chars": pa.array([1, 2, 3], pa.int64()),
        }
    )
    out = detect_languages(table, CFG)
    assert out.column_names == ["id", "text", "lang", "n_chars", "lang_prob", "lang_mix"]
    assert out.column("id").to_pylist() == ["a", "b", "c"]
    assert out.column("lang").to_pylist() == ["bg", "und", "en"]
    assert out.column("lang_prob").type == pa.float64()
    assert out.column("lang_mix").to_pylist() == [1.0, 0.0, 1.0]
    assert detect_languages(table.slice(0, 0), CFG).column("lang").to_pylist() == []


def test_sample_reads_evenly_spaced_windows_of_a_long_text() -> None:
    text = "\n".join(f"Line {i}" + " word" * 30 for i in range(100))
    sample = _sample(text, LangidConfig(sample_chars=600, sample_parts=3))
    assert len(sample) <= 600
    # Three windows of up to 200 characters, from a third and two thirds in at the next line start.
    assert [line.split()[1] for line in sample.split("\n")] == ["0", "1", "34", "35", "67", "68"]
    assert _sample(EN, CFG) == EN
    # One long line: windows start and end at word boundaries.
    words = [f"w{i}" for i in range(1000)]
    sample = _sample(" ".join(words), LangidConfig(sample_chars=90, sample_parts=3))
    assert sample.split("\n") == [" ".join(words[:10]), " ".join(words[348:354]), " ".join(words[674:680])]


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ConfigError, match=r"langid.min_prob = 1.5 is not between 0 and 1"):
        LangidConfig(min_prob=1.5)
    with pytest.raises(ConfigError, match=r"langid.sample_chars = 0 must be at least 1"):
        config_from_dict({"langid": {"sample_chars": 0}})


def _detect_all(texts: list[str]) -> list[tuple[str, float]]:
    return [detect_language(text, LangidConfig(seed=0)) for text in texts]


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_same_results_in_worker_processes(method: str) -> None:
    here = _detect_all(TEXTS)
    # The worker detects in reverse order, from fresh (spawn) or inherited (fork) state.
    with multiprocessing.get_context(method).Pool(1) as pool:
        there = pool.apply(_detect_all, (TEXTS[::-1],))
    assert there == here[::-1]


def test_accuracy_not_below_plain_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    path = shared_data("data", "langid", "langid.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][::40]
    monkeypatch.setattr(DetectorFactory, "seed", 0)
    ours: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    plain: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in rows:
        key = row["kind"] if row["langdetect_code"] else "und"
        expected = row["langdetect_code"] or "und"
        ours[key][0] += detect_language(row["text"], CFG)[0] == expected
        ours[key][1] += 1
        if row["langdetect_code"]:
            with contextlib.suppress(LangDetectException):  # no features: counted as wrong
                plain[key][0] += detect(row["text"]) == expected
    assert set(ours) == {"sentence", "word_pair", "single_word", "paragraph", "und"}
    for kind in ("sentence", "word_pair", "single_word", "paragraph"):
        assert ours[kind][0] >= plain[kind][0], kind
    assert ours["und"][0] / ours["und"][1] >= 0.4
