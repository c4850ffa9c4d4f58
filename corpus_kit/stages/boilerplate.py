"""Boilerplate removal on plain text: rules, cross-document template lines and a line classifier.

Every non-blank line of a normalized text is kept or removed. A line is removed, in this order,
because it is a template line of its site (`template_line`, see `template_lines.py`), because a
rule names it (navigation "Skip to …" links, trailing photo credits: score null), or because the
bundled classifier drops it (score = 1 - content probability). Template lines are set apart
first: the classifier scores the page without them, as if they were not there (a crawl's menus
and footers are mostly template lines, so this also spares most of its work), and drops a line
when its probability is below
`cfg.threshold`, or it follows the article past a stretch of boilerplate (the tail cut of
`keep_decisions`; such lines can score below 0.5). Model removals carry the most specific reason
their wording suggests (`nav_menu`, `promo`, `job_ad`, `teaser`, `caption`, `legal`, `share`),
else `model`.

The classifier is two gradient-boosted tree ensembles trained by `scripts/train_boilerplate.py`
and stored as JSON in `corpus_kit/models/boilerplate.json`; `trees.py` evaluates them with NumPy.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, pairwise
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus_kit import schema
from corpus_kit.config import BoilerplateConfig
from corpus_kit.errors import SchemaError
from corpus_kit.stages.line_features import (
    LINE_FEATURES,
    MODELS_DIR,
    URL_FEATURES,
    batch_context_features,
    batch_line_features,
    main_text_features,
    page_main_blocks,
)
from corpus_kit.stages.template_lines import (
    TemplateLines,
    count_template_lines,
    hash_lines,
    merge_template_counts,
    site_of,
)
from corpus_kit.stages.trees import TreeEnsemble
from corpus_kit.tables import set_column

MODEL_FILE = "boilerplate.json"
#: The model for lines of HTML pages, which also reads their share in the extracted main text.
HTML_MODEL_FILE = "boilerplate_html.json"
_HEADING_MAX_WORDS = 15
#: A line of an HTML page whose share in the extracted main text reaches this was kept by the extractor.
_EXTRACTED = 0.5
# Lines whose features are computed together: enough to spread NumPy's per-call cost thin, few
# enough to keep the feature arrays small.
_BATCH_LINES = 4096

_CREDIT_WORDS = ("Image", "Photo", "Picture", "Foto", "Bild", "IMAGE", "PHOTO")
#: Lookbehinds for a credit's colon: one of `_CREDIT_WORDS`, maybe plural, maybe with " credit".
_CREDITED = "|".join(
    f"(?<={word}{plural}{credit}:)"
    for word in _CREDIT_WORDS
    for plural in ("", "s")
    for credit in ("", " credit")
)
# Rules: lines removed whatever the model says. They scan a page's lines joined by newlines, after
# a newline (`re.MULTILINE`: `$` is a line's end; a line's start is the newline before it, a
# literal the scan jumps between), so none can match a newline but the one before a line.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        schema.LINE_NAV_MENU,
        re.compile(r"\n(?:\d{1,2}\.[^\S\n]*)?(?:skip to|jump to|back to top\b)", re.IGNORECASE),
    ),
    # A credit ending a caption line: "…confidence'Image: IHS", "Photo: Reuters/R. Wilking", that is
    # `(?:Image|Photo|…)s?(?: credit)?: ?[^!?:\n]{1,60}(?<!\.)$`, written to start at the colon (a
    # literal the regex jumps between) with the word before it looked behind for.
    (schema.LINE_CAPTION, re.compile(rf":(?:{_CREDITED}) ?[^!?:\n]{{1,60}}(?<!\.)$", re.MULTILINE)),
    (
        schema.LINE_CAPTION,
        re.compile(r"\((?:Image|Photo|Picture|Foto|Bild)s?(?: credit)?: [^()\n]{1,80}\)$", re.MULTILINE),
    ),
)

# Wording that names the kind of a line the model removed (first match wins). Each lookahead lists
# the letters the words start with: it changes no match but lets the scan skip most positions.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        schema.LINE_JOB_AD,
        re.compile(r"\b(?=[jpsrvhc])(?:jobs?|per annum|salary|recruit\w*|vacanc\w+|hiring|careers?)\b", re.I),
    ),
    (
        schema.LINE_PROMO,
        re.compile(
            r"\b(?=[sndfo])(?:sign up|subscri\w+|newsletter|download (?:our|the) app|free trial|offer|"
            r"deals?)\b",
            re.I,
        ),
    ),
    (
        schema.LINE_SHARE,
        re.compile(
            r"\b(?=[stfwlpe])(?:share|tweet|facebook|twitter|whatsapp|linkedin|pinterest|e-?mail|print|"
            r"follow us)\b",
            re.I,
        ),
    ),
    (
        schema.LINE_LEGAL,
        re.compile(
            r"©|\b(?=[crptd])(?:copyright|rights reserved|privacy|cookies?|terms (?:of|and)|disclaimer)\b",
            re.I,
        ),
    ),
    (schema.LINE_CAPTION, re.compile(r"\b(?=[pigc])(?:photo|image|picture|getty|credit|caption)\b", re.I)),
    (
        schema.LINE_TEASER,
        re.compile(
            r"\b(?=[rmplst])(?:read more|more (?:stories|news)|related|recommended|popular|latest|suggested|"
            r"trending)\b",
            re.I,
        ),
    ),
)

# Which lines may match one of `_KINDS`, for Arrow (RE2, which scans a line in one pass): their
# terms without the word boundaries, lookaheads and `\w` tails, so it finds every line they match
# and some more. Ignoring case, RE2 also matches "ſ" as "s" and "K" as "k" as `re` does, but not
# "İ" and "ı" as "i": lines with those are always searched.
_KIND_TERMS_RE2 = (
    "(?i:"
    + "|".join(re.sub(r"\\b|\(\?=\[\w+\]\)|\\w[*+]", "", pattern.pattern) for _, pattern in _KINDS)
    + ")"
)
_TURKISH_I = "[İı]"
# Which lines may match one of `_RULES`, for Arrow in the same way: the navigation terms, and a
# credit word with its colon (case as the rules write it).
_RULE_TERMS_RE2 = "(?i:skip to|jump to|back to top)|(?:" + "|".join(_CREDIT_WORDS) + ")s?(?: credit)?:"


@dataclass(frozen=True)
class _Model:
    first_pass: TreeEnsemble
    second_pass: TreeEnsemble


@cache
def _model(name: str = MODEL_FILE) -> _Model:
    """Load a bundled classifier (`MODEL_FILE` or `HTML_MODEL_FILE`) once per process."""
    data = json.loads((MODELS_DIR / name).read_text(encoding="utf-8"))
    return _Model(TreeEnsemble.from_json(data["first_pass"]), TreeEnsemble.from_json(data["second_pass"]))


def content_probabilities(lines: list[str], url: str | None = None) -> np.ndarray:
    """Return the classifier's probability that each of the non-blank `lines` is main content."""
    return page_probabilities([lines], [url])[0]


def page_probabilities(
    pages: Sequence[list[str]],
    urls: Sequence[str | None],
    shares: Sequence[np.ndarray | None] | None = None,
) -> list[np.ndarray]:
    """Return `content_probabilities` of each page, computed for the lines of many pages at once.

    A page with `shares` (its lines' shares in the HTML extractor's main text, see
    `loaders.html_lines`) is scored by the HTML model, which reads them too.
    """
    return _page_scores(pages, urls, shares)[0]


def _page_scores(
    pages: Sequence[list[str]],
    urls: Sequence[str | None],
    shares: Sequence[np.ndarray | None] | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return `page_probabilities` and each page's `LINE_FEATURES` rows, which they were computed from."""
    shares = shares if shares is not None else [None] * len(pages)
    probs = [np.zeros(0)] * len(pages)
    features = [np.zeros((0, len(LINE_FEATURES)), dtype=np.float32)] * len(pages)
    for html in (False, True):
        members = [i for i, share in enumerate(shares) if (share is not None) == html]
        for batch in _line_batches([pages[i] for i in members]):
            chosen = [members[k] for k in batch]
            lines = [pages[i] for i in chosen]
            base = batch_line_features(lines, [urls[i] for i in chosen])
            found = _predict(base, lines, [shares[i] for i in chosen] if html else None)
            _scatter(chosen, lines, found, probs)
            _scatter(chosen, lines, base, features)
    return probs, features


def _scatter(chosen: list[int], pages: list[list[str]], rows: np.ndarray, out: list[np.ndarray]) -> None:
    """Store in `out[i]` the rows of `rows` (all lines of `pages`, in order) of page `chosen[k]`."""
    ends = np.cumsum([len(page) for page in pages])
    for i, part in zip(chosen, np.split(rows, ends[:-1]), strict=True):
        out[i] = part


def _line_batches(pages: Sequence[list[str]]) -> Iterator[list[int]]:
    """Yield the indices of the pages that have lines, in groups of about `_BATCH_LINES` lines."""
    batch: list[int] = []
    lines = 0
    for i, page in enumerate(pages):
        if page:
            batch.append(i)
            lines += len(page)
        if lines >= _BATCH_LINES:
            yield batch
            batch, lines = [], 0
    if batch:
        yield batch


def _predict(base: np.ndarray, pages: list[list[str]], shares: list[np.ndarray] | None = None) -> np.ndarray:
    """Content probabilities of all lines of `pages` (each with a line) from their `LINE_FEATURES` rows."""
    if shares is None:
        model = _model()
    else:
        model = _model(HTML_MODEL_FILE)
        base = np.hstack([base, main_text_features(shares)])
    first = model.first_pass.predict(base)
    return model.second_pass.predict(np.hstack([base, batch_context_features(first, pages)]))


def has_forced_lines(
    texts: Sequence[str], cfg: BoilerplateConfig, template: frozenset[int] | None = None
) -> list[bool]:
    """Whether each of `texts` has a line the cleaner removes whatever its classifier says: a line
    of `template` (hashes of template lines) or, when `cfg.rules`, a line a rule names.

    All texts' non-blank lines are hashed and searched at once: a line's outcome does not depend
    on the other lines.
    """
    owners: list[int] = []
    lines: list[str] = []
    for page, text in enumerate(texts):
        for line in text.split("\n"):
            if line and not line.isspace():  # non-blank, as in `_split`
                lines.append(line)
                owners.append(page)
    owner = np.array(owners, np.int64)
    forced = np.zeros(len(texts), bool)
    content = np.ones(len(lines), bool)
    if template:
        hashes = np.array(hash_lines(lines), np.uint64)
        content = ~np.isin(hashes, np.fromiter(template, np.uint64, len(template)))
        forced[owner[~content]] = True
    if cfg.rules:
        searched = np.flatnonzero(content)
        reasons = _rule_reasons([lines[i] for i in searched])
        forced[owner[searched[[reason is not None for reason in reasons]]]] = True
    return forced.tolist()


def _first_matches(lines: list[str], patterns: Sequence[tuple[str, re.Pattern[str]]]) -> list[str | None]:
    """Return, for each of the newline-free `lines`, the reason of the first of `patterns` that
    matches it, or None.

    Each pattern scans all lines joined at once, each after a newline; none can match a newline
    but the one right before a line, so a match found in the joined text lies in one line, and the
    newline is a non-word character like a line's edge.
    """
    text = "\n" + "\n".join(lines)
    # Where each line's newline is: a match starts at it or inside the line after it.
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    reasons: list[str | None] = [None] * len(lines)
    # Later patterns first, so that the first matching pattern has the last word.
    for reason, pattern in reversed(patterns):
        for match in pattern.finditer(text):
            reasons[bisect_right(starts, match.start()) - 1] = reason
    return reasons


def _candidates(lines: list[str], terms_re2: str) -> list[int]:
    """Return the indices of the `lines` that match `terms_re2` (RE2, by Arrow) or hold "İ" or "ı"."""
    # One scan: the Turkish I outside the terms' case-insensitive group, which would widen it to "I".
    maybe = pc.match_substring_regex(pa.array(lines, pa.large_string()), f"{terms_re2}|{_TURKISH_I}")
    return np.flatnonzero(maybe.to_numpy(zero_copy_only=False)).tolist()


def _rule_reasons(lines: list[str]) -> list[str | None]:
    """Return the reason of the first of `_RULES` that names each line, or None."""
    reasons: list[str | None] = [None] * len(lines)
    searched = _candidates(lines, _RULE_TERMS_RE2)
    for i, reason in zip(searched, _first_matches([lines[i] for i in searched], _RULES), strict=True):
        reasons[i] = reason
    return reasons


def _kinds(lines: list[str]) -> list[str]:
    """Return the reason of each of the newline-free `lines` the model removed: see `_KINDS`."""
    kinds = [schema.LINE_MODEL] * len(lines)
    searched = _candidates(lines, _KIND_TERMS_RE2)
    for i, kind in zip(searched, _first_matches([lines[i] for i in searched], _KINDS), strict=True):
        kinds[i] = kind or schema.LINE_MODEL
    return kinds


def _is_heading(line: str) -> bool:
    """A short line without closing punctuation: a title or section heading."""
    return 0 < len(line.split()) <= _HEADING_MAX_WORDS and not line.endswith((".", ",", ";", ":", "…"))


def keep_decisions(
    lines: list[str], probs: np.ndarray, cfg: BoilerplateConfig, shares: np.ndarray | None = None
) -> np.ndarray:
    """Return which of the non-blank `lines` the model keeps, given their content probabilities.

    A line is kept when its probability reaches `cfg.threshold`. A heading right before a kept
    block is kept too when its probability reaches `cfg.heading_threshold`: the model alone
    tends to drop titles, which some ground truths count as content and readers expect.
    Then the tail cut: the core block is the span with the most confident content (probability
    above `cfg.core_threshold`, weighted by length); when at least `cfg.tail_gap` lines after it
    are removed, everything from the first of them on goes too. What follows an article and is
    broken up by boilerplate is teasers, related links and comments, however well written.
    On an HTML page (`shares` given), the tail cut spares the lines the main-text extractor kept.
    """
    return _keep_pages([lines], [probs], cfg, [shares])


def _keep_pages(
    pages: Sequence[list[str]],
    probs: Sequence[np.ndarray],
    cfg: BoilerplateConfig,
    shares: Sequence[np.ndarray | None],
) -> np.ndarray:
    """`keep_decisions` of several pages (any may have no lines), one after the other."""
    bounds = np.concatenate(([0], np.cumsum([len(page) for page in pages], dtype=np.int64)))
    prob = np.concatenate([np.zeros(0), *probs])
    lines = list(chain.from_iterable(pages))
    base = prob >= cfg.threshold
    keep = base.copy()
    if cfg.heading_threshold < cfg.threshold:
        # The first line of a kept block but a page's first: the line before it may be a heading.
        follows = np.ones(len(lines), dtype=bool)
        follows[bounds[:-1][bounds[:-1] < len(lines)]] = False
        starts = np.flatnonzero(base[1:] & ~base[:-1] & follows[1:]) + 1
        for start in starts[prob[starts - 1] >= cfg.heading_threshold].tolist():
            if _is_heading(lines[start - 1]):
                keep[start - 1] = True
    if cfg.tail_gap:
        chars = np.fromiter(map(len, lines), dtype=np.float64, count=len(lines))
        gain = (prob - cfg.core_threshold) * np.sqrt(chars)
        removed = np.concatenate(([0], np.cumsum(~base)))  # removed lines before each position
        ends = page_main_blocks(gain, bounds)[:, 1].tolist()
        for page, (lo, hi) in enumerate(pairwise(bounds.tolist())):
            end = lo + ends[page]
            if end > lo and removed[hi] - removed[end] >= cfg.tail_gap:
                cut = slice(end + int(np.argmin(base[end:hi])), hi)  # from the first removed one on
                page_shares = shares[page]
                if page_shares is None:
                    keep[cut] = False
                else:
                    keep[cut] &= page_shares[cut.start - lo :] >= _EXTRACTED
    return keep


class _Text(NamedTuple):
    """The lines of a text, the indices of the non-blank lines the classifier scores, those lines,
    and the indices of the template lines (non-blank too, never scored)."""

    lines: list[str]
    indices: list[int]
    content: list[str]
    template: list[int]


def _split(text: str, template: frozenset[int] | None = None) -> _Text:
    """Split `text` into lines; the non-blank ones in `template` (by `hash_lines`) are set apart."""
    lines = text.split("\n")
    # Non-blank: what `line.strip()` leaves something of, without building the stripped copy.
    indices = [i for i, line in enumerate(lines) if line and not line.isspace()]
    templated: list[int] = []
    if template:
        hashes = hash_lines(lines[i] for i in indices)
        templated = [i for i, line_hash in zip(indices, hashes, strict=True) if line_hash in template]
        if templated:
            set_apart = set(templated)
            indices = [i for i in indices if i not in set_apart]
    return _Text(lines, indices, [lines[i] for i in indices], templated)


def scored_lines(text: str, template: frozenset[int] | None = None) -> tuple[list[int], list[str]]:
    """Return the line numbers and the lines of `text` the classifier scores: the non-blank lines
    but the `template` ones (hashes of a site's template lines)."""
    split = _split(text, template)
    return split.indices, split.content


class _Removed(NamedTuple):
    """The removed lines of several texts, in text then line order, as columns."""

    bounds: np.ndarray  # where each text's rows start, then their number
    line: np.ndarray
    text: list[str]
    reason: list[str]
    score: list[float | None]

    def of(self, page: int) -> list[tuple[int, str, str, float | None]]:
        """The removed lines of one text, as (line index, text, reason, score)."""
        span = slice(self.bounds[page], self.bounds[page + 1])
        return list(
            zip(self.line[span].tolist(), self.text[span], self.reason[span], self.score[span], strict=True)
        )

    def to_arrow(self) -> pa.Array:
        """The `removed_lines` column: one list of `schema.REMOVED_LINE` per text."""
        values = pa.StructArray.from_arrays(
            [
                pa.array(self.line, pa.int32()),
                pa.array(self.text, pa.string()),
                pa.array(self.reason, pa.string()),
                pa.array(self.score, pa.float32()),
            ],
            fields=list(schema.REMOVED_LINE),
        )
        return pa.ListArray.from_arrays(
            pa.array(self.bounds, pa.int32()), values, pa.list_(schema.REMOVED_LINE)
        )


def _flat(lists: Iterator[list[int]], count: int) -> np.ndarray:
    """The `count` numbers of `lists`, one after the other."""
    return np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=count)


def _group_bounds(group: np.ndarray, n: int) -> np.ndarray:
    """Where each of `n` groups starts among rows ordered by `group`, then the number of rows."""
    return np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n))])


def _decide(
    texts: Sequence[_Text],
    probs: Sequence[np.ndarray],
    cfg: BoilerplateConfig,
    shares: Sequence[np.ndarray | None],
) -> tuple[list[list[int]], _Removed]:
    """Return the indices of each text's kept lines and the removed lines of all, given the
    content probabilities of their scored lines. The lines of all texts are decided at once."""
    keep = _keep_pages([text.content for text in texts], probs, cfg, shares)
    prob = np.concatenate([np.zeros(0), *probs])
    page = np.repeat(np.arange(len(texts)), [len(text.indices) for text in texts])
    line = _flat((text.indices for text in texts), len(page))
    scored = [content for text in texts for content in text.content]
    reasons = _rule_reasons(scored) if cfg.rules else [None] * len(scored)
    ruled = np.fromiter((reason is not None for reason in reasons), dtype=bool, count=len(scored))
    dropped = np.flatnonzero(~keep)
    for i, kind in zip(dropped.tolist(), _kinds([scored[i] for i in dropped]), strict=True):
        reasons[i] = reasons[i] or kind
    removed = np.flatnonzero(~keep | ruled)
    scores = [
        None if ruled[i] else round(1.0 - p, 4)
        for i, p in zip(removed.tolist(), prob[removed].tolist(), strict=True)
    ]
    # Template lines join the removed ones, each text's rows sorted by line.
    template_page = np.repeat(np.arange(len(texts)), [len(text.template) for text in texts])
    rows_page = np.concatenate([template_page, page[removed]])
    rows_line = np.concatenate([_flat((text.template for text in texts), len(template_page)), line[removed]])
    order = np.lexsort((rows_line, rows_page)).tolist()
    texts_of = [text.lines[i] for text in texts for i in text.template] + [scored[i] for i in removed]
    reasons_of = [schema.LINE_TEMPLATE] * len(template_page) + [reasons[i] for i in removed]
    scores_of = [None] * len(template_page) + scores
    kept_rows = keep & ~ruled
    kept_lines = line[kept_rows].tolist()
    kept_bounds = _group_bounds(page[kept_rows], len(texts)).tolist()
    return [kept_lines[start:end] for start, end in pairwise(kept_bounds)], _Removed(
        _group_bounds(rows_page, len(texts)),
        rows_line[order],
        [texts_of[i] for i in order],
        [reasons_of[i] for i in order],
        [scores_of[i] for i in order],
    )


def _join_kept(lines: list[str], kept: list[int]) -> str:
    """Join kept lines, with one blank line where the input had one between them."""
    parts: list[str] = []
    for n, i in enumerate(kept):
        if n:
            gap = lines[kept[n - 1] + 1 : i]
            parts.append("\n\n" if any(not line.strip() for line in gap) else "\n")
        parts.append(lines[i])
    return "".join(parts)


def classify_lines(
    text: str, cfg: BoilerplateConfig, url: str | None = None, templates: TemplateLines | None = None
) -> list[tuple[int, str, str, float | None]]:
    """Return the lines of `text` the cleaner removes, as (line index, text, reason, score).

    `url` selects the site whose template lines (if `templates` is given) apply.
    """
    return classify_texts([text], cfg, [url], templates)[0]


def classify_texts(
    texts: Sequence[str],
    cfg: BoilerplateConfig,
    urls: Sequence[str | None] | None = None,
    templates: TemplateLines | None = None,
) -> list[list[tuple[int, str, str, float | None]]]:
    """Return `classify_lines` of each text; the classifier runs over the lines of all texts at once."""
    urls = list(urls) if urls is not None else [None] * len(texts)
    splits = [_split(text, _template(templates, url, None)) for text, url in zip(texts, urls, strict=True)]
    probs = page_probabilities([split.content for split in splits], urls)
    _, removed = _decide(splits, probs, cfg, [None] * len(splits))
    return [removed.of(page) for page in range(len(splits))]


def _template(templates: TemplateLines | None, url: str | None, source: str | None) -> frozenset[int] | None:
    """The template lines of a document's site, if there are `templates`."""
    return templates.for_site(site_of(url, source)) if templates is not None else None


def remove_boilerplate(
    table: pa.Table, cfg: BoilerplateConfig, templates: TemplateLines | None = None
) -> pa.Table:
    """Replace `text` by its kept lines; fill `removed_lines` and `n_chars`.

    Reads `text`, `main_text_share` when present (rows that have it are scored by the HTML
    model) and, for template lines, `url` and `source`. Reasons: `template_line`, rule
    reasons (`nav_menu`, `caption`) and model reasons (see the module docstring); the
    classifier scores each page without its site's template lines.
    """
    if not cfg.enabled:
        texts = table.column("text").to_pylist()
        return set_column(
            set_column(table, "removed_lines", pa.array([[] for _ in texts], pa.list_(schema.REMOVED_LINE))),
            "n_chars",
            pa.array([len(t) for t in texts], pa.int64()),
        )
    return clean_pages(table, cfg, templates).table


@dataclass(frozen=True)
class Cleaned:
    """What `clean_pages` returns: the cleaned table, and what the classifier saw of each row."""

    table: pa.Table
    pages: list[_Text]
    kept: list[list[int]]  # each row's kept lines (numbers in its text before cleaning)
    features: list[np.ndarray]  # the `LINE_FEATURES` rows of each row's scored lines

    def leftover_scores(self, cfg: BoilerplateConfig) -> pa.Array:
        """Return the `schema.LEFTOVER_SCORE` of each cleaned text with the classifier settings of `cfg`.

        The highest score of a line the plain classifier removes from the cleaned text read alone
        (no url, no template lines), null when it removes none: what the validation suite's
        boilerplate check computes from the text. A page kept whole (all its scored lines) is the
        page just scored, so its line features serve again and only the trees run.
        """
        scores = _leftover_scores(self.pages, self.kept, self.features, cfg)
        return pa.array(scores, schema.LEFTOVER_SCORE.type)


def clean_pages(table: pa.Table, cfg: BoilerplateConfig, templates: TemplateLines | None = None) -> Cleaned:
    """`remove_boilerplate` (with `cfg.enabled`), also returning what the classifier saw."""
    texts = table.column("text").to_pylist()
    urls = table.column("url").to_pylist() if "url" in table.column_names else [None] * len(texts)
    sources = table.column("source").to_pylist() if "source" in table.column_names else [None] * len(texts)
    splits = [
        _split(text, _template(templates, url, source))
        for text, url, source in zip(texts, urls, sources, strict=True)
    ]
    shares = _content_shares(table, splits)
    probs, features = _page_scores([split.content for split in splits], urls, shares)
    kept_lines, removed = _decide(splits, probs, cfg, shares)
    cleaned = [_join_kept(split.lines, kept) for split, kept in zip(splits, kept_lines, strict=True)]
    table = set_column(table, "text", pa.array(cleaned, pa.string()))
    table = set_column(table, "removed_lines", removed.to_arrow())
    table = set_column(table, "n_chars", pa.array([len(t) for t in cleaned], pa.int64()))
    return Cleaned(table, splits, kept_lines, features)


def _leftover_scores(
    splits: list[_Text], kept: list[list[int]], features: list[np.ndarray], cfg: BoilerplateConfig
) -> list[float | None]:
    """`Cleaned.leftover_scores` of the cleaned texts: the `kept` lines of `splits`.

    A page kept whole has the lines the cleaner scored, so its `features` serve again, with the
    url's columns as a page without url has them; any other cleaned page is scored anew.
    """
    pages = [[split.lines[i] for i in page] for split, page in zip(splits, kept, strict=True)]
    whole = [len(page) == len(split.indices) for split, page in zip(splits, kept, strict=True)]
    probs = [np.zeros(0)] * len(pages)
    anew = [i for i, is_whole in enumerate(whole) if not is_whole]
    for i, page_probs in zip(
        anew, page_probabilities([pages[i] for i in anew], [None] * len(anew)), strict=True
    ):
        probs[i] = page_probs
    again = [i for i, is_whole in enumerate(whole) if is_whole]
    url_columns = [LINE_FEATURES.index(name) for name in URL_FEATURES]
    for batch in _line_batches([pages[i] for i in again]):
        chosen = [again[k] for k in batch]
        base = np.vstack([features[i] for i in chosen])
        base[:, url_columns] = -1.0
        lines = [pages[i] for i in chosen]
        _scatter(chosen, lines, _predict(base, lines), probs)
    # The keep decisions of all pages at once; each page's highest removed score (rounding to 4
    # places keeps the order, so the rounded maximum is the maximum of the rounded scores).
    keep = _keep_pages(pages, probs, cfg, [None] * len(pages))
    score = np.where(keep, -np.inf, 1.0 - np.concatenate([np.zeros(0), *probs]))
    bounds = np.cumsum([0] + [len(page) for page in pages])
    highest = [float(score[start:end].max(initial=-np.inf)) for start, end in pairwise(bounds.tolist())]
    return [None if value == -np.inf else round(value, 4) for value in highest]


def _content_shares(table: pa.Table, splits: list[_Text]) -> list[np.ndarray | None]:
    """The `main_text_share` of each row's non-blank lines (None for rows without one)."""
    if "main_text_share" not in table.column_names:
        return [None] * len(splits)
    shares = []
    ids = table.column("id").to_pylist() if "id" in table.column_names else range(table.num_rows)
    for split, row, doc_id in zip(splits, table.column("main_text_share").to_pylist(), ids, strict=True):
        if row is not None and len(row) != len(split.lines):
            raise SchemaError(
                f"document {doc_id!r}: main_text_share has {len(row)} values "
                f"for {len(split.lines)} lines of text"
            )
        shares.append(None if row is None else np.asarray(row, dtype=np.float32)[split.indices])
    return shares


def clean_table(table: pa.Table, cfg: BoilerplateConfig) -> pa.Table:
    """Remove boilerplate from an in-memory table: count template lines, then clean each row."""
    templates = merge_template_counts([count_template_lines(table, cfg)], cfg)
    return remove_boilerplate(table, cfg, templates)
