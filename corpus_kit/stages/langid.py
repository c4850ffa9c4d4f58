"""Language identification with langdetect's profiles: deterministic, bounded in cost, `und` when unsure.

langdetect's `Detector` estimates a naive-Bayes posterior by Monte Carlo: it draws n-grams of the
text at random, multiplies their smoothed per-language probabilities and stops early, 7 times with a
jittered smoothing constant. Its answer depends on a seed (a class attribute, lost in spawned
workers) and costs milliseconds per text in pure Python. This module computes the quantity that sampling
estimates, exactly: the sum over *all* n-grams read of ``log(p(ngram | lang) + 0.5 / 10000)``
(langdetect's smoothing without the jitter), over the profiles of one `DetectorFactory` per process.
No random numbers are drawn, so a text gets the same label and probability in any process, whatever
was detected before; the seed in `LangidConfig` is handed to the factory and changes nothing here.
N-grams are extracted as langdetect does (URLs and e-mails removed, its character normalisation,
Latin letters dropped from mostly non-Latin text, words with two capitals in a row skipped).

What is read: a text of up to `sample_chars` characters whole; a longer one in `sample_parts`
evenly spaced windows of ``sample_chars / sample_parts`` characters, each starting at a line (or
word) boundary. Lines of the windows are the units of `lang_mix`.

A text is `und` when, in this order:
1. fewer than `min_chars` letters are read (letters: characters langdetect keeps after normalising);
2. more than `max_unknown_script` of them are letters of scripts no langdetect profile uses
   (Armenian, Georgian, Ethiopic, ...: langdetect has no language written in them);
3. more than `max_unknown_letters` of them are letters no profile uses, of scripts it does use
   (Kazakh "қ", Azerbaijani "ə", Esperanto "ĉ", Belarusian "ў", Icelandic "ð", ...);
4. the posterior of the best language is below `min_prob`;
5. the text fits its best language badly and only narrowly:
   margin: the best language's log-likelihood leads the second's by less than `min_margin` nats per
   n-gram found, and the text misfits that language in one of two ways:
   a. trigrams: the mean of ``log(p(trigram | best) + 0.5 / 10000)`` over the text's trigrams found
      in some profile is below that language's expected value for a trigram drawn from its own
      profile (``sum p log(p + 0.5 / 10000)`` over its trigrams) by more than ``max_misfit`` nats
      plus two standard errors (the profile's standard deviation of that log-prob over the square
      root of the number of trigrams, so short texts need a bigger misfit). Only trigrams of words
      that do not start with a capital letter count (names and quoted titles are often foreign),
      unless no such word has any;
   b. letters: at least `misfit_letters` of its letters are letters of the best language's scripts
      that its profile does not use (Welsh has no "á", Norwegian no "ð", Latvian no "ō", Ukrainian
      no "ы"). A language's scripts are those of at least a tenth of its profile's letters; a letter
      is used as for rule 3 (unigram probability of at least 1e-4 in that profile). Counted per
      whitespace-separated token of the read text, leaving out tokens that start with a capital
      letter (names: "Søren" in an English text) and tokens that read as letters the language uses
      once a common encoding mix-up is undone: the token's bytes in a Windows (1250-1254, 1257) or
      ISO-8859-2/-9 code page read as UTF-8 or as another of these pages (Turkish "yýl" for "yıl",
      Czech "ľe" for "že", "Ã©" for "é"; "ďż˝", a character lost before, leaves no letter);
   not applied when the best language is Chinese, Japanese or Korean (langdetect's normalisation
   folds Han ideographs, kana and Hangul syllables into a few class characters, so their profiles
   hold almost no trigrams to fit).
Korean is only a candidate when the text has Hangul, Japanese only when it has kana (langdetect's
Korean profile holds Han characters and otherwise wins some Chinese texts).

Rules 2 and 3 catch languages langdetect lacks by letters no profile uses, rule 5 by their n-grams
or by letters their nearest language does not use: a Zulu sentence best fits Swahili, but far worse
than Swahili text fits the Swahili profile; an Irish one fits Welsh but has "á" and "í", which Welsh
lacks. Languages that are close relatives of a supported one (Bosnian and Serbian of Croatian and
Macedonian, Malay of Indonesian, Nynorsk of Norwegian) and some others (Latin, Basque, Esperanto
without its accented letters) fit their neighbour about as well as its own text does and keep its
label; so do most single words and word pairs, where a few n-grams cannot tell a misfit from chance.
Rule 5's thresholds are set so that accuracy on the supported languages of every kind of text stays
at least that of plain langdetect; a stricter rule labels more unsupported text `und` but costs that
accuracy first on sentences (see the README). Rule 3 also catches supported languages whose text was
decoded with the wrong code page (Turkish "ş" read as Latin-1 "þ") when such letters are frequent;
rule 5b leaves such text alone when undoing the mix-up explains its odd letters.

Columns: `lang` (langdetect's codes: `en`, `de`, `zh-cn`, ...; `und`), `lang_prob` (posterior of
the best language, rounded to 6 decimals, kept under rules 4 and 5; 0.0 under rules 1 to 3),
`lang_mix` (share of the letters of the read lines of at least `mix_min_chars` letters whose own
best language is `lang`; 1.0 when no line is that long; 0.0 for `und`).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from corpus_kit.config import LangidConfig
from corpus_kit.tables import set_column

UNDETERMINED = "und"

_LATIN = re.compile(r"[A-Za-z]")
# Letters langdetect counts as non-Latin in `Detector.cleaning_text`: U+0300 and up, except U+1E00-U+1EFF.
_NON_LATIN = re.compile(r"[\u0300-\u1dff\u1f00-\U0010ffff]")
_MIN_LETTER_PROB = 1e-4
_WORD_CACHE_SIZE = 50_000  # distinct words a process keeps (`_Vocab`) before it starts afresh
# Columns of `_Vocab.counts`.
_GRAMS, _TRIGRAMS, _LETTERS, _UNKNOWN, _FOREIGN = range(5)
_MISFIT_ERRORS = 2.0  # standard errors of the mean trigram log-probability added to `max_misfit`
# langdetect's normalisation maps Hangul syllables, kana and Han ideographs to a few class
# characters, so trigram fit says nothing about these languages: rule 5 leaves them alone.
_COLLAPSED = ("ja", "ko", "zh-cn", "zh-tw")
_SCRIPT_SHARE = 0.1  # a language's scripts: those of at least this share of its profile's letters
# Code pages of encoding mix-ups undone before counting unwritten letters (rule 5b): text in one of
# the single-byte pages shown as another, or UTF-8 shown as a single-byte page.
_CODE_PAGES = ("cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1257", "iso8859_2", "iso8859_9")
_MIX_UPS = tuple(
    (shown, meant) for shown in _CODE_PAGES for meant in ("utf-8", *_CODE_PAGES) if meant != shown
)


class _Vocab:
    """The distinct words a process has read, each with what a text's score sums of it.

    Row i of `sums` holds, per language, the log-probs of word i's 1- to 3-grams summed in order;
    row i of `counts` its n-grams, trigrams, letters, and letters no profile uses (`_UNKNOWN`,
    `_FOREIGN`). A text's scores are sums of its words' rows, so each word's n-grams are looked up
    once per process (at most `_WORD_CACHE_SIZE` words, then it starts afresh). A word's row depends
    on the word alone, not on when or with which other words it was added.
    """

    def __init__(self, langs: int) -> None:
        self.langs = langs
        self.clear()

    def clear(self) -> None:
        self.index: dict[str, int] = {}
        self.sums = np.zeros((0, self.langs))
        self.counts = np.zeros((0, 5), dtype=np.int64)

    def add(self, words: list[str], model: _Model) -> None:
        """Add the rows of new `words` (distinct, none in the vocabulary yet)."""
        first = len(self.index)
        found = [_word_grams(word, model) for word in words]
        grams = np.array([row for rows in found for row in rows], dtype=np.intp)
        sizes = np.array([len(rows) for rows in found], dtype=np.int64)
        counts = np.zeros((len(words), 5), dtype=np.int64)
        counts[:, _GRAMS] = sizes
        owner = np.repeat(np.arange(len(words)), sizes)
        counts[:, _TRIGRAMS] = np.bincount(owner[model.trigram[grams]], minlength=len(words))
        for i, word in enumerate(words):
            self.index[word] = first + i
            if not _skipped(word):
                counts[i, _LETTERS] = len(word)
                counts[i, _UNKNOWN] = sum(char in model.unknown for char in word)
                counts[i, _FOREIGN] = sum(char in model.foreign for char in word)
        sums = np.zeros((len(words), self.langs))
        has = sizes > 0
        if has.any():  # consecutive words with n-grams: their first n-grams' positions increase
            starts = np.concatenate(([0], np.cumsum(sizes[has])[:-1]))
            sums[has] = np.add.reduceat(model.log_prob[grams], starts, axis=0, dtype=np.float64)
        if len(self.index) > len(self.sums):  # room for twice as many words, up to the cap
            room = min(max(2 * len(self.sums), len(self.index), 1024), max(_WORD_CACHE_SIZE, len(self.index)))
            self.sums = np.concatenate([self.sums, np.zeros((room - len(self.sums), self.langs))])
            self.counts = np.concatenate(
                [self.counts, np.zeros((room - len(self.counts), 5), dtype=np.int64)]
            )
        self.sums[first : len(self.index)] = sums
        self.counts[first : len(self.index)] = counts


def _skipped(word: str) -> bool:
    """Whether langdetect skips `word`: two capitals in a row."""
    return any(a.isupper() and b.isupper() for a, b in itertools.pairwise(word))


def _word_grams(word: str, model: _Model) -> list[int]:
    """Return the profile rows of a word's 1- to 3-grams in langdetect's order (none for a word it skips)."""
    if _skipped(word):
        return []
    padded = f" {word} "
    grams = [*word, *(padded[k : k + 2] for k in range(len(padded) - 1))]
    grams += [padded[k : k + 3] for k in range(len(padded) - 2)]
    return [row for gram in grams if (row := model.rows.get(gram)) is not None]


@dataclass(frozen=True)
class _Model:
    """langdetect's profiles as a matrix, plus the character normalisation table."""

    langs: tuple[str, ...]
    rows: dict[str, int]  # n-gram -> row of `log_prob`
    log_prob: np.ndarray  # float32, (n-grams, languages): log(p(ngram | lang) + smoothing)
    table: dict[int, str]  # str.translate table replicating langdetect's NGram.normalize
    ascii_table: bytes  # the same for ASCII characters (each normalizes to one), for bytes.translate
    unknown: frozenset[str]  # letters (after normalisation) no profile uses, of scripts profiles use
    foreign: frozenset[str]  # letters of scripts no profile uses
    ko: int
    ja: int
    trigram: np.ndarray  # bool, (n-grams,): the row is a trigram
    expected: np.ndarray  # (languages,): mean log-prob of a trigram drawn from the language's profile
    spread: np.ndarray  # (languages,): its standard deviation
    collapsed: frozenset[int]  # languages rule 5 does not apply to (`_COLLAPSED`)
    letters: dict[str, int]  # letter -> row of `log_prob`, for the letters some profile holds as unigrams
    writes: np.ndarray  # bool, (letter rows, languages): the letter has probability >= _MIN_LETTER_PROB
    scripts: tuple[frozenset[str], ...]  # per language: scripts of at least _SCRIPT_SHARE of its letters
    vocab: _Vocab = field(default_factory=lambda: _Vocab(0))  # the words read so far (`_word_ids`)
    unwritten: dict[str, np.ndarray] = field(default_factory=dict)  # cache of `_unwritten_letter`


@functools.cache
def _model(seed: int) -> _Model:
    """Load langdetect's profiles once per process (cached per seed; the seed does not change results)."""
    from langdetect.detector import Detector
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.utils.ngram import NGram

    factory = DetectorFactory()
    factory.set_seed(seed)
    factory.load_profile(PROFILES_DIRECTORY)
    grams = list(factory.word_lang_prob_map)
    probs = np.array([factory.word_lang_prob_map[g] for g in grams], dtype=np.float64)
    smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
    table: dict[int, str] = {ord("\n"): "\n"}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000 or code == ord("\n"):
            continue
        char = chr(code)
        normal = NGram.normalize(char)
        if normal != char:
            table[code] = normal
    langs = tuple(factory.get_lang_list())
    frequent = {
        g
        for g, p in zip(grams, probs.max(axis=1).tolist(), strict=True)
        if len(g) == 1 and p >= _MIN_LETTER_PROB
    }
    log_prob = np.log(probs + smoothing)
    trigram = np.array([len(g) == 3 for g in grams])
    letter_rows = [i for i, g in enumerate(grams) if len(g) == 1 and g.isalpha()]
    return _Model(
        langs=langs,
        rows={g: i for i, g in enumerate(grams)},
        log_prob=log_prob.astype(np.float32),
        table=table,
        ascii_table=_ascii_table(table),
        **_unknown_letters(frequent, table),
        ko=langs.index("ko"),
        ja=langs.index("ja"),
        trigram=trigram,
        **_trigram_fit(probs[trigram], log_prob[trigram]),
        collapsed=frozenset(langs.index(lang) for lang in _COLLAPSED),
        letters={grams[i]: k for k, i in enumerate(letter_rows)},
        writes=probs[letter_rows] >= _MIN_LETTER_PROB,
        scripts=_language_scripts([grams[i] for i in letter_rows], probs[letter_rows]),
        vocab=_Vocab(len(langs)),
    )


def _ascii_table(table: dict[int, str]) -> bytes:
    """`table` for ASCII text, as a `bytes.translate` table."""
    mapped = [table.get(code, chr(code)) for code in range(128)]
    if not all(len(char) == 1 and char.isascii() for char in mapped):
        raise AssertionError("langdetect normalizes an ASCII character to something else")
    return "".join(mapped).encode("ascii") + bytes(range(128, 256))


def _trigram_fit(probs: np.ndarray, log_prob: np.ndarray) -> dict[str, np.ndarray]:
    """Return the mean and standard deviation of the log-prob of a trigram drawn from each profile."""
    expected = (probs * log_prob).sum(axis=0)
    variance = (probs * log_prob**2).sum(axis=0) - expected**2
    return {"expected": expected, "spread": np.sqrt(np.maximum(variance, 0.0))}


def _unknown_letters(frequent: set[str], table: dict[int, str]) -> dict[str, frozenset[str]]:
    """Return the letters of the BMP that no profile uses, after normalisation, split by script.

    A letter is used if it, its lowercase, or (for a letter NFKC changes) the base letter of its
    decomposition (Bengali "য়" -> "য", Arabic presentation forms) has a unigram probability of at least
    `_MIN_LETTER_PROB` in some profile: the profiles also hold stray letters of other scripts
    (Georgian letters in Estonian) at lower probabilities. Han ideographs count as used: langdetect
    folds only some of them, and no language it lacks is written in Han. A letter's script is the
    first word of its Unicode name (LATIN, CYRILLIC, ARMENIAN, ...).
    """
    used_scripts = {_script(char) for char in frequent if char.isalpha()}
    unknown, foreign = set(), set()
    for code in range(0x10000):
        char = chr(code)
        if not char.isalpha() or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
            continue
        char = char.translate(table)
        variants = {char, char.lower()}
        if unicodedata.normalize("NFKC", char) != char:  # not "ў" -> "у": that breve makes Belarusian
            base = unicodedata.normalize("NFKD", char)[:1].translate(table)
            variants |= {base, base.lower()}
        if not variants & frequent:
            (unknown if _script(char) in used_scripts else foreign).add(char)
    return {"unknown": frozenset(unknown), "foreign": frozenset(foreign)}


def _script(char: str) -> str:
    return unicodedata.name(char, "").partition(" ")[0]


def _language_scripts(letters: list[str], probs: np.ndarray) -> tuple[frozenset[str], ...]:
    """Return, per language, the scripts holding at least `_SCRIPT_SHARE` of its letters' probability."""
    mass: dict[str, np.ndarray] = {}
    for letter, row in zip(letters, probs, strict=True):
        script = _script(letter)
        mass[script] = mass.get(script, 0.0) + row
    total = sum(mass.values())
    return tuple(
        frozenset(script for script, share in mass.items() if share[lang] >= _SCRIPT_SHARE * total[lang])
        for lang in range(probs.shape[1])
    )


def _unwritten_letter(char: str, model: _Model) -> np.ndarray:
    """Return, per language, whether `char` is a letter of its scripts that its profile does not use.

    Used: the letter, its lowercase or (for a letter NFKC changes) the base letter of its decomposition
    has a unigram probability of at least `_MIN_LETTER_PROB` in the profile, as for rule 3.
    """
    cached = model.unwritten.get(char)
    if cached is not None:
        return cached
    variants = {char, char.lower()}
    if unicodedata.normalize("NFKC", char) != char:
        base = unicodedata.normalize("NFKD", char)[:1].translate(model.table)
        variants |= {base, base.lower()}
    written = np.zeros(len(model.langs), dtype=bool)
    for variant in variants:
        row = model.letters.get(variant)
        if row is not None:
            written |= model.writes[row]
    script = _script(char)
    result = np.array([script in scripts for scripts in model.scripts]) & ~written
    model.unwritten[char] = result
    return result


def _letters_of(token: str, model: _Model) -> list[str]:
    """Return the letters of a token of raw text once normalised as langdetect does."""
    return [char for char in _normalize(token, model) if char.isalpha()]


def _unwritten_letters(sample: str, best: int, model: _Model) -> int:
    """Return how many letters of `sample` are letters of the best language's scripts it does not use.

    Counted per whitespace-separated token of the read text. Not counted: tokens that start with a
    capital letter (names: "Søren", "Muñoz" in an English text), and tokens whose letters all become
    letters the language uses once a common encoding mix-up is undone: their bytes in a Windows or
    ISO-8859 code page read as UTF-8 or as another of these code pages (Turkish "yýl" for "yıl",
    Czech "ľe" for "že", UTF-8 "Ã©" for "é"). A mix-up to UTF-8 may also leave no letter ("ďż˝" is a
    lost character, U+FFFD).
    """
    count = 0
    for token in sample.split():
        letters = _letters_of(token, model)
        if not letters or letters[0].isupper():
            continue
        unwritten = sum(bool(_unwritten_letter(char, model)[best]) for char in letters)
        if unwritten and not _mis_decoded(token, len(letters), best, model):
            count += unwritten
    return count


def _mis_decoded(token: str, n_letters: int, best: int, model: _Model) -> bool:
    """Return whether `token` reads as letters the best language uses once re-decoded (see above)."""
    for shown, meant in _MIX_UPS:
        try:
            fixed = token.encode(shown).decode(meant)
        except UnicodeError:
            continue
        if fixed == token:
            continue
        letters = _letters_of(fixed, model)
        if not letters:
            if meant == "utf-8":
                return True
            continue
        if meant != "utf-8" and len(letters) < n_letters:  # a single-byte mix-up keeps every letter
            continue
        if not any(_unwritten_letter(char, model)[best] for char in letters) and all(
            _script(char) in model.scripts[best] for char in letters
        ):
            return True
    return False


def _sample(text: str, cfg: LangidConfig) -> str:
    """Return the part of `text` that is read (see the module docstring)."""
    if len(text) <= cfg.sample_chars:
        return text
    width = max(1, cfg.sample_chars // cfg.sample_parts)
    windows = []
    for part in range(cfg.sample_parts):
        start = part * len(text) // cfg.sample_parts
        if start > 0 and text[start - 1] != "\n":
            line = text.find("\n", start, start + width // 2)
            space = text.find(" ", start, start + width // 2)
            start = line + 1 if line >= 0 else space + 1 if space >= 0 else start
        end = start + width
        if end < len(text):
            cut = max(text.rfind("\n", start + width // 2, end), text.rfind(" ", start + width // 2, end))
            end = cut if cut > 0 else end
        windows.append(text[start:end])
    return "\n".join(windows)


def _normalize(sample: str, model: _Model) -> str:
    """Apply langdetect's text cleaning and character normalisation, keeping line breaks.

    Runs of spaces are left as they are: the words are read by splitting at whitespace.
    """
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    if "://" in sample:  # what every `URL_RE` match holds
        sample = Detector.URL_RE.sub(" ", sample)
    if "@" in sample:  # and every `MAIL_RE` match
        sample = Detector.MAIL_RE.sub(" ", sample)
    # ASCII text has no Vietnamese marks to normalize and no non-Latin letters; its characters
    # normalize to ASCII characters, by a byte table.
    if sample.isascii():
        return sample.encode("ascii").translate(model.ascii_table).decode("ascii")
    sample = NGram.normalize_vi(sample)
    if 2 * len(_LATIN.findall(sample)) < len(_NON_LATIN.findall(sample)):
        sample = _LATIN.sub(" ", sample)
    return sample.translate(model.table)


def _score(text: str, cfg: LangidConfig) -> tuple[str, float, float]:
    """Return `(lang, lang_prob, lang_mix)` for one text."""
    model = _model(cfg.seed)
    vocab = model.vocab
    if len(vocab.index) >= _WORD_CACHE_SIZE:
        vocab.clear()
    sample = _sample(text, cfg)
    normal = _normalize(sample, model)
    read: list[str] = []  # the words read
    lines: list[int] = []  # the line of each word
    for number, line in enumerate(normal.split("\n")):
        found = line.split()
        read += found
        lines += [number] * len(found)
    new = list(dict.fromkeys(itertools.filterfalse(vocab.index.__contains__, read)))
    if new:
        vocab.add(new, model)
    words = list(map(vocab.index.__getitem__, read))
    counts = vocab.counts[words]
    letters, unknown, foreign = (int(counts[:, column].sum()) for column in (_LETTERS, _UNKNOWN, _FOREIGN))
    grams = int(counts[:, _GRAMS].sum())
    if letters < cfg.min_chars or not grams:
        return UNDETERMINED, 0.0, 0.0
    if foreign > cfg.max_unknown_script * letters or unknown > cfg.max_unknown_letters * letters:
        return UNDETERMINED, 0.0, 0.0
    rows, line_of = np.array(words), np.array(lines)
    scored = counts[:, _GRAMS] > 0
    # Lines with n-grams, and the words of each: their sums, line by line, in a fixed order.
    line_of_scored = line_of[scored]
    starts = np.flatnonzero(np.concatenate(([True], line_of_scored[1:] != line_of_scored[:-1])))
    per_line = np.add.reduceat(vocab.sums[rows[scored]], starts, axis=0)
    weights = np.bincount(line_of, weights=counts[:, _LETTERS])
    weights = weights[line_of_scored[starts]]
    if "\uac00" not in normal:  # NGram.normalize maps every Hangul syllable to U+AC00
        per_line[:, model.ko] = -np.inf
    if "\u3042" not in normal and "\u30a2" not in normal:  # ... every hiragana / katakana to U+3042 / U+30A2
        per_line[:, model.ja] = -np.inf
    total = per_line.sum(axis=0)
    best = int(np.argmax(total))
    top = float(total[best])
    prob = 1.0 / math.fsum([math.exp(s - top) for s in total.tolist()])
    prob = round(prob, 6)
    if prob < cfg.min_prob or _misfit(model, sample, read, counts, total, best, cfg):
        return UNDETERMINED, prob, 0.0
    agrees = (per_line.argmax(axis=1) == best).tolist()  # each line's own best language is the text's
    counted = [(w, ok) for w, ok in zip(weights.tolist(), agrees, strict=True) if w >= cfg.mix_min_chars]
    mix = sum(w for w, agree in counted if agree) / sum(w for w, _ in counted) if counted else 1.0
    return model.langs[best], prob, round(mix, 6)


def _misfit(
    model: _Model,
    sample: str,
    words: list[str],
    counts: np.ndarray,
    total: np.ndarray,
    best: int,
    cfg: LangidConfig,
) -> bool:
    """Return whether rule 5 applies: the text fits its best language poorly and only narrowly.

    `sample` is the read text, `words` its words and `counts` their `_Vocab` counts, `total` the
    text's log-likelihood per language.
    """
    if best in model.collapsed:
        return False
    margin = total[best] - np.partition(total, -2)[-2]
    if margin >= cfg.min_margin * counts[:, _GRAMS].sum():
        return False
    # Trigrams of the words without a leading capital, unless they have none.
    capital = np.array([word[0].isupper() for word in words], dtype=bool)
    fitted = ~capital if counts[~capital, _TRIGRAMS].sum() else np.ones(len(words), dtype=bool)
    rows = np.array(
        [row for word in itertools.compress(words, fitted) for row in _word_grams(word, model)], dtype=np.intp
    )
    trigrams = model.log_prob[rows[model.trigram[rows]], best]
    if len(trigrams):
        misfit = model.expected[best] - trigrams.sum(dtype=np.float64) / len(trigrams)
        error = model.spread[best] / math.sqrt(len(trigrams))
        if misfit > cfg.max_misfit + _MISFIT_ERRORS * error:
            return True
    return _unwritten_letters(sample, best, model) >= cfg.misfit_letters


def detect_language(text: str, cfg: LangidConfig) -> tuple[str, float]:
    """Return the language of `text` (langdetect's code or `und`) and its probability."""
    lang, prob, _ = _score(text, cfg)
    return lang, prob


def detect_languages(table: pa.Table, cfg: LangidConfig) -> pa.Table:
    """Add (or replace) `lang`, `lang_prob` and `lang_mix` computed from the `text` column."""
    results = [_score(text or "", cfg) for text in table.column("text").to_pylist()]
    langs, probs, mixes = zip(*results, strict=True) if results else ((), (), ())
    table = set_column(table, "lang", pa.array(langs, pa.string()))
    table = set_column(table, "lang_prob", pa.array(probs, pa.float64()))
    return set_column(table, "lang_mix", pa.array(mixes, pa.float64()))
