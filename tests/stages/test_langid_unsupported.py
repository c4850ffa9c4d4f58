"""Rule 5 of language identification: texts in languages langdetect lacks come out `und`.

The sentences below were written for these tests (they are not from the evaluation data).
"""

from __future__ import annotations

import multiprocessing

import pytest

from corpus_kit.config import LangidConfig
from corpus_kit.errors import ConfigError
from corpus_kit.stages.langid import detect_language

CFG = LangidConfig()
NO_RULE_5 = LangidConfig(max_misfit=1e9)

# Their trigrams fit the nearest supported language far worse than its own text does, and it leads
# only narrowly: `und` now, and without rule 5 the label in the last field.
CAUGHT = [
    ("eu", "Bihar goizean lagunekin joango naiz hondartzara, eguraldi ona egiten badu.", "id"),
    ("zu", "Ngifuna ukuthenga isinkwa nobisi esitolo namhlanje ntambama.", "sw"),
    ("zu", "Umama wami uthanda ukupheka ukudla okumnandi ngezimpelasonto.", "sw"),
    ("xh", "Abafundi abaninzi baya kwiyunivesithi ukuze bafunde ngezenzululwazi.", "sw"),
    ("tn", "Bana ba ne ba tshameka kwa ntle fa mmaabo a ntse a apaya dijo.", "sw"),
    ("st", "Bana ba ne ba bapala ka ntle ha mme wa bona a ntse a pheha dijo.", "sw"),
]

# Limits, kept visible: close relatives of a supported language, and texts that happen to fit one.
MISSED = [
    ("la", "Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae.", "ca"),
    ("eu", "Gure etxea mendiaren magalean dago eta handik itsasoa ikusten da egun argietan.", "id"),
    ("ga", "Tá an aimsir go hálainn inniu agus beidh muid ag dul go dtí an trá.", "cy"),
    ("nn", "Eg har budd i denne byen i mange år, og eg likar meg godt her.", "no"),
    ("ms", "Saya akan pergi ke pasar esok pagi untuk membeli sayur dan ikan.", "id"),
    ("bs", "Djeca se igraju u parku dok roditelji sjede na klupi i razgovaraju.", "hr"),
]

SUPPORTED = [
    ("en", "The committee will publish its final report on the new railway line next spring."),
    ("en", "She walked to the station in the rain because the buses were not running."),
    ("de", "Die Kinder spielen im Garten, während die Eltern in der Küche das Abendessen kochen."),
    ("de", "Wir haben gestern lange über die neuen Pläne für das Stadtzentrum gesprochen."),
    ("fr", "Les enfants jouent dans le jardin pendant que leurs parents préparent le dîner."),
    ("fr", "Nous avons visité le musée hier après-midi avant de rentrer à la maison."),
    ("es", "Los niños juegan en el parque mientras sus padres hablan en un banco."),
    ("sw", "Watoto wanacheza nje wakati wazazi wao wanapika chakula cha jioni."),
    ("sw", "Serikali imetangaza mpango mpya wa kujenga barabara katika mikoa yote."),
    ("id", "Anak-anak bermain di taman sementara orang tua mereka duduk di bangku."),
    ("tl", "Naglalaro ang mga bata sa parke habang nag-uusap ang kanilang mga magulang."),
    ("nl", "De kinderen spelen in het park terwijl hun ouders op een bankje zitten."),
    ("fi", "Lapset leikkivät puistossa, kun heidän vanhempansa istuvat penkillä."),
]


@pytest.mark.parametrize(("lang", "text", "without"), CAUGHT, ids=[c[0] for c in CAUGHT])
def test_unsupported_language_is_und(lang: str, text: str, without: str) -> None:
    label, prob = detect_language(text, CFG)
    assert label == "und"
    # lang_prob still gives the posterior of the language it resembled.
    assert (without, prob) == detect_language(text, NO_RULE_5)
    assert prob > 0.5


@pytest.mark.parametrize(("lang", "text", "label"), MISSED, ids=[m[0] for m in MISSED])
def test_unsupported_language_close_to_a_supported_one_keeps_its_label(
    lang: str, text: str, label: str
) -> None:
    assert detect_language(text, CFG)[0] == label


@pytest.mark.parametrize(("lang", "text"), SUPPORTED, ids=[s[0] for s in SUPPORTED])
def test_supported_languages_keep_their_label(lang: str, text: str) -> None:
    assert detect_language(text, CFG) == (lang, 1.0)


def test_icelandic_letters_are_caught_by_rule_3() -> None:
    assert detect_language("Veðrið var mjög gott í gær og við fórum öll saman í sund.", CFG) == ("und", 0.0)


def test_thresholds() -> None:
    text = CAUGHT[1][1]  # Zulu
    assert detect_language(text, LangidConfig(max_misfit=5.0))[0] == "sw"
    assert detect_language(text, LangidConfig(min_margin=0.0))[0] == "sw"
    # The strictest settings make even a clear English sentence und.
    english = SUPPORTED[0][1]
    assert detect_language(english, LangidConfig(max_misfit=0.0, min_margin=100.0))[0] == "und"


def test_rule_5_leaves_chinese_alone() -> None:
    # langdetect folds Han ideographs into classes, so its Chinese profile has almost no trigrams.
    text = "我们明天早上去公园散步，然后在湖边的小饭馆吃午饭。"
    assert detect_language(text, LangidConfig(max_misfit=0.0, min_margin=100.0)) == detect_language(text, CFG)
    assert detect_language(text, CFG)[0] == "zh-cn"


def test_config_rejects_negative_thresholds() -> None:
    with pytest.raises(ConfigError, match=r"langid.max_misfit = -1 must be at least 0"):
        LangidConfig(max_misfit=-1)
    with pytest.raises(ConfigError, match=r"langid.min_margin = -0.1 must be at least 0"):
        LangidConfig(min_margin=-0.1)


def _detect_all(texts: list[str]) -> list[tuple[str, float]]:
    return [detect_language(text, LangidConfig()) for text in texts]


def test_rule_5_gives_the_same_results_in_a_spawned_worker() -> None:
    texts = [text for _, text, _ in CAUGHT + MISSED] + [text for _, text in SUPPORTED]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_detect_all, (texts[::-1],)) == _detect_all(texts)[::-1]
