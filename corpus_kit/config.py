"""The build configuration: frozen dataclasses, one per concern, read once from TOML.

Defaults, then the file, then command-line overrides; validated on construction. Unknown keys
are errors with a "did you mean". Each stage receives only its own sub-config.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_kit.errors import ConfigError

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class DatasetConfig:
    name: str = "corpus"
    version: str = "0.1.0"
    license: str = "other"
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"dataset.name {self.name!r} must match {_NAME.pattern} (it names a folder)")
        if not _SEMVER.match(self.version):
            raise ConfigError(f"dataset.version {self.version!r} is not a semantic version like 1.2.3")


@dataclass(frozen=True)
class LoaderConfig:
    """Where documents come from and which fields of JSONL/Parquet records to read."""

    paths: tuple[str, ...] = ()
    id_key: str = "id"
    text_key: str = "text"
    url_key: str = "url"
    title_key: str = "title"
    html_key: str = "html"


@dataclass(frozen=True)
class BoilerplateConfig:
    """Boilerplate removal: line rules, template lines and the line classifier's threshold."""

    enabled: bool = True
    # A line is kept when the classifier's content probability is at least this (chosen by
    # page-grouped cross-validation on the training sources; lower keeps more).
    threshold: float = 0.5
    # A title or heading right before kept text is kept from this probability on (same as
    # `threshold` turns that off).
    heading_threshold: float = 0.3
    # Tail cut: once `tail_gap` lines after the page's core block (the span of lines above
    # `core_threshold`) are removed, all lines after the first of them go too; 0 turns it off.
    # Page-grouped CV: mean F1 0.897 -> 0.900, dragnet 0.800 -> 0.855 (comments, teasers);
    # a core threshold of 0.8 scores 0.905 but lets teaser lists join the core block.
    tail_gap: int = 5
    core_threshold: float = 0.9
    rules: bool = True  # also remove "Skip to …" links and trailing photo credits by rule
    # A line is a template line of a site when it is on at least `template_min_docs` of the
    # site's documents and on at least `template_min_share` of them. Duplicated pages repeat their
    # article lines too: at 3, the cleaner emptied 49 of 2,000 benchmark documents and near-dup
    # recall after cleaning fell to 0.60; at 10, 1 document and 0.945 (make_corpus.py --n 2000).
    template_min_docs: int = 10
    template_min_share: float = 0.05
    # A line on at least this share of ALL documents (and `template_min_docs`) is a template line of
    # every site: teaser, widget and promo lines that circulate across sites. Quotes never get there.
    template_min_share_corpus: float = 0.05
    template_min_chars: int = 1  # shorter lines are never template lines

    def __post_init__(self) -> None:
        for name in ("threshold", "heading_threshold", "core_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"boilerplate.{name} = {getattr(self, name)} is not between 0 and 1")
        if self.tail_gap < 0:
            raise ConfigError(f"boilerplate.tail_gap = {self.tail_gap} must be 0 (off) or positive")
        if self.template_min_docs < 2:
            raise ConfigError(f"boilerplate.template_min_docs = {self.template_min_docs} must be at least 2")
        if not 0.0 < self.template_min_share_corpus <= 1.0:
            raise ConfigError(
                f"boilerplate.template_min_share_corpus = {self.template_min_share_corpus} is not in (0, 1]"
            )
        if not 0.0 <= self.template_min_share <= 1.0:
            raise ConfigError(
                f"boilerplate.template_min_share = {self.template_min_share} is not between 0 and 1"
            )


@dataclass(frozen=True)
class LangidConfig:
    """Language identification (stages/langid.py); the rules are in that module's docstring."""

    seed: int = 0  # seed of the langdetect factory; the exact estimator draws no random numbers
    languages: tuple[str, ...] = ()  # expected languages; empty means any
    min_chars: int = 1  # letters a text needs for a label; fewer gives `und`
    min_prob: float = 0.5  # posterior of the best language below this gives `und`
    max_unknown_script: float = 0.5  # share of letters in scripts no langdetect profile uses, above: `und`
    max_unknown_letters: float = 0.05  # share of other letters no profile uses, above this: `und`
    # A text that misfits its best language, while that language leads the second by under
    # `min_margin` nats per n-gram, is `und` (languages langdetect lacks). Misfit: the trigrams of its
    # words fit the language worse than its own profile by more than `max_misfit` nats per trigram
    # (plus two standard errors), or it has `misfit_letters` letters the language does not use.
    max_misfit: float = 1.2
    min_margin: float = 0.25
    misfit_letters: int = 3
    sample_chars: int = 600  # characters of a long text that are read, from `sample_parts` places
    sample_parts: int = 3
    mix_min_chars: int = 20  # lines with fewer letters are left out of `lang_mix`

    def __post_init__(self) -> None:
        for name in ("min_chars", "sample_chars", "sample_parts", "mix_min_chars", "misfit_letters"):
            if getattr(self, name) < 1:
                raise ConfigError(f"langid.{name} = {getattr(self, name)} must be at least 1")
        for name in ("min_prob", "max_unknown_script", "max_unknown_letters"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"langid.{name} = {getattr(self, name)} is not between 0 and 1")
        for name in ("max_misfit", "min_margin"):
            if getattr(self, name) < 0:
                raise ConfigError(f"langid.{name} = {getattr(self, name)} must be at least 0")


@dataclass(frozen=True)
class QualityConfig:
    """Document quality thresholds (stages/quality.py); a document outside them is rejected.

    Defaults are the published Gopher rules (Rae et al. 2021, "Scaling Language Models", appendix
    A.1: 50-100,000 words, mean word length 3-10, hash or ellipsis to word ratio <= 0.1, at least
    2 stopwords, duplicate-line fraction <= 0.3), C4's sentence rule (Raffel et al. 2020: at least
    5 sentences; relaxed, see below) and FineWeb's line-punctuation rule (Penedo et al. 2024: more
    than 12 % of lines end in terminal punctuation). Measured after boilerplate removal on the
    2,000-document benchmark corpus: 29 of its 40 thin pages and 1.8 % of its other documents
    are rejected; the seeds and 100 of 104 ScrapingHub article bodies pass (README).
    """

    enabled: bool = True
    min_words: int = 50
    max_words: int = 100_000
    # C4 drops pages under 5 sentences; that also drops real 2-4 sentence news briefs, so the
    # floor is 2 and pages under `thin_page_sentences` are rejected only when fewer than
    # `thin_page_min_terminal_share` of their lines are sentences (teasers and headlines around
    # a sentence or two: what is left of a thin page after boilerplate removal).
    min_sentences: int = 2
    thin_page_sentences: int = 5
    thin_page_min_terminal_share: float = 0.5
    min_mean_word_length: float = 3.0
    max_mean_word_length: float = 10.0
    max_symbol_word_ratio: float = 0.1
    min_stopwords: int = 2
    max_duplicate_line_share: float = 0.3
    min_terminal_punct_share: float = 0.12
    # Written without spaces between words: word count, word length and symbol checks are skipped.
    unsegmented_languages: tuple[str, ...] = ("ja", "zh-cn", "zh-tw", "th", "lo", "km", "my")
    # Written without sentence-final punctuation: the sentence and punctuation checks are skipped.
    unpunctuated_languages: tuple[str, ...] = ("th", "lo", "km", "my")

    def __post_init__(self) -> None:
        if min(self.min_words, self.min_sentences, self.min_stopwords) < 0 or self.max_words < self.min_words:
            raise ConfigError(
                "quality: min_words, min_sentences, min_stopwords must be >= 0, max_words >= min_words"
            )
        if not 0 <= self.min_mean_word_length <= self.max_mean_word_length:
            raise ConfigError("quality.min_mean_word_length must be between 0 and max_mean_word_length")
        for name in ("max_duplicate_line_share", "min_terminal_punct_share", "thin_page_min_terminal_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"quality.{name} = {getattr(self, name)} is not between 0 and 1")
        if self.max_symbol_word_ratio < 0:
            raise ConfigError(f"quality.max_symbol_word_ratio = {self.max_symbol_word_ratio} must be >= 0")


@dataclass(frozen=True)
class DedupConfig:
    """Exact and near-duplicate detection (MinHash + LSH over word n-grams of folded text).

    LSH makes two documents a candidate pair when all `rows` values of at least one of `bands`
    bands agree. A pair with Jaccard similarity s is a candidate with probability
    1 - (1 - s**rows)**bands, an S-curve whose steepest point is near (1/bands)**(1/rows):
    with 50 bands of 5 rows that is ~0.46, and pairs at s = 0.62 are caught with probability
    0.992, at s = 0.7 with 0.9999 (64 bands of 4 would also catch many pairs near 0.3, which only
    cost verification time). Every candidate is then verified: it becomes an edge only if
    the share of the `num_perm` signature values the two documents agree on (an estimate of s:
    standard error ~0.03 at 256, measured bias +0.013, see `stages/near_dup.py`) is at least
    `threshold`.

    Why word pairs and 0.62 rather than the usual 5-grams and 0.8: one changed word breaks n
    shingles, so a copy with 5 % of its words changed keeps ~77 % of its 5-grams but ~90 % of
    its 2-grams. On the benchmark corpus (`make_corpus.py`: copies with words changed, sentences
    dropped or the end cut), 5-grams and 3-grams lose 3-15 % of the pairs at any threshold that
    keeps unrelated pages of one site (same menu and footer) apart; 2-grams at 0.62 reach pair
    precision and recall >= 0.97 there and on set C (extractions of one page by many tools).
    See benchmarks/dedup.py.
    """

    exact: bool = True  # cluster documents with the same words in the same order
    near: bool = True  # cluster near duplicates (MinHash + LSH)
    ngram: int = 2  # words per shingle
    num_perm: int = 256  # MinHash values per document (4 bytes each in the dedup index)
    bands: int = 50
    rows: int = 5  # bands * rows <= num_perm; the rest of the signature only sharpens verification
    threshold: float = 0.62  # minimum estimated Jaccard similarity of a verified pair
    seed: int = 0  # seeds the MinHash permutations; an index is only comparable under the same seed
    max_bucket: int = 64  # an LSH bucket larger than this pairs each document with its 64 neighbours only

    def __post_init__(self) -> None:
        if self.ngram < 1 or self.num_perm < 1 or self.bands < 1 or self.rows < 1 or self.max_bucket < 1:
            raise ConfigError("dedup.ngram, num_perm, bands, rows and max_bucket must be positive")
        if self.bands * self.rows > self.num_perm:
            product = self.bands * self.rows
            raise ConfigError(
                f"dedup.bands * dedup.rows = {product} exceeds dedup.num_perm = {self.num_perm}"
            )
        if not 0 < self.threshold <= 1:
            raise ConfigError(f"dedup.threshold = {self.threshold} is not in (0, 1]")


@dataclass(frozen=True)
class SplitConfig:
    """Split ratios; a document's split is a hash of its duplicate cluster (or id) and `seed`."""

    ratios: dict[str, float] = field(default_factory=lambda: {"train": 1.0})
    seed: int = 0
    by_site: bool = False  # keep all pages of one host in one split

    def __post_init__(self) -> None:
        if not self.ratios:
            raise ConfigError("splits.ratios is empty; give at least one split, e.g. {train = 1.0}")
        for name, ratio in self.ratios.items():
            if not re.match(r"^\w+(\.\w+)*$", name):
                raise ConfigError(f"split name {name!r} must be letters, digits and underscores")
            if not 0 <= ratio <= 1:
                raise ConfigError(f"splits.ratios.{name} = {ratio} is not between 0 and 1")
        if abs(sum(self.ratios.values()) - 1.0) > 1e-9:
            raise ConfigError(f"splits.ratios must sum to 1, got {sum(self.ratios.values())}")


@dataclass(frozen=True)
class PackageConfig:
    output_dir: str = "dist"
    max_shard_size: int = 256 * 1024 * 1024  # bytes of text per Parquet shard
    row_group_size: int = 1000
    compression_level: int = 3

    def __post_init__(self) -> None:
        if self.max_shard_size <= 0 or self.row_group_size <= 0:
            raise ConfigError("package.max_shard_size and package.row_group_size must be positive")


@dataclass(frozen=True)
class ValidateConfig:
    suite: str = "release"


@dataclass(frozen=True)
class EngineConfig:
    workers: int = 0  # 0: all cores
    batch_size: int = 512

    def __post_init__(self) -> None:
        if self.workers < 0 or self.batch_size <= 0:
            raise ConfigError("engine.workers must be >= 0 and engine.batch_size > 0")


@dataclass(frozen=True)
class BuildConfig:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    input: LoaderConfig = field(default_factory=LoaderConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    langid: LangidConfig = field(default_factory=LangidConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    splits: SplitConfig = field(default_factory=SplitConfig)
    package: PackageConfig = field(default_factory=PackageConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    #: Folder that relative paths in the config are resolved against.
    root: str = "."

    def resolve(self, path: str) -> Path:
        """Return `path` resolved against the config file's folder."""
        return (Path(self.root) / path).resolve()

    def to_dict(self) -> dict[str, Any]:
        """Return what shapes a release's bytes as plain data, for manifests and config hashes.

        `root` (where the config file is) and `engine` (how many workers) are left out: they
        change where and how fast a release is built, never its content.
        """
        data = dataclasses.asdict(self)
        del data["root"], data["engine"]
        return data


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(names))}"
            raise ConfigError(f"unknown config key {where + key!r}{hint}")
        kwargs[key] = _coerce(hints[key], value, f"{where}{key}")
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where + ".")
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    if origin in (types.UnionType, typing.Union):
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (isinstance(hint, type) and not isinstance(value, hint)) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def config_from_dict(data: dict[str, Any], root: str | Path = ".") -> BuildConfig:
    """Build and validate a `BuildConfig` from plain data (as read from TOML)."""
    return _build(BuildConfig, {**data, "root": str(root)}, "")


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read a TOML config file (or defaults when `path` is None) and apply `overrides`.

    `overrides` maps dotted keys (``"dataset.version"``) to values, as the CLI flags give them.
    """
    data: dict[str, Any] = {}
    root: Path = Path.cwd()
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ConfigError(
                f"config file {path} not found; pass --config or run in the project folder"
            ) from err
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML: {err}") from err
        root = path.resolve().parent
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.rpartition(".")
        target = data
        for part in filter(None, section.split(".")):
            target = target.setdefault(part, {})
        target[key] = value
    return config_from_dict(data, root)
