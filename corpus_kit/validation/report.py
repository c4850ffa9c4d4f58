"""Threshold what-if report: what each cleaning rule would remove at several settings.

For the boilerplate classifier threshold, the near-duplicate threshold, the language probability
and the minimum length, count the documents, lines and characters removed at each setting, with a
few samples of what a setting removes that the next looser one keeps. Computed from the text with
corpus-kit's stages (no pipeline columns read); rendered as one self-contained HTML page with
inline SVG plots. No Great Expectations here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pyarrow as pa

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.validation import checks

BOILERPLATE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
DEDUP_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
LANG_PROB_THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
MIN_CHARS_THRESHOLDS = (0, 100, 200, 500, 1000, 2000)
SAMPLE_CHARS = 240


@dataclass(frozen=True)
class Setting:
    """What one value of a threshold removes."""

    value: float
    docs: int
    lines: int
    chars: int
    #: Text removed at this value but kept at the next looser one, at most `samples` items.
    samples: tuple[str, ...]


@dataclass(frozen=True)
class Sweep:
    """One rule's threshold and the settings tried; `current` is the configured value."""

    rule: str
    parameter: str
    explanation: str
    current: float
    settings: tuple[Setting, ...]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def _settings(
    removed: dict[float, list[str]], *, lines: bool, more_at_higher: bool, samples: int
) -> tuple[Setting, ...]:
    """Build the settings from what each value removes (texts, or lines when `lines`).

    Samples are what a value removes beyond the neighbouring value that removes less.
    """
    out, previous = {}, set()
    for value in sorted(removed, reverse=not more_at_higher):  # from removing least to removing most
        gone = removed[value]
        fresh = [item for item in gone if item not in previous]
        out[value] = Setting(
            value,
            0 if lines else len(gone),
            len(gone) if lines else 0,
            sum(map(len, gone)),
            tuple(_short(item) for item in fresh[:samples]),
        )
        previous = set(gone)
    return tuple(out[value] for value in sorted(out))


def sweep_boilerplate(texts: Sequence[str], cfg: BoilerplateConfig, samples: int = 3) -> Sweep:
    """Sweep the classifier threshold; rule and template lines are removed at every setting."""
    from corpus_kit.stages.boilerplate import classify_texts, keep_decisions, page_probabilities, scored_lines
    from corpus_kit.stages.template_lines import site_of

    templates = checks.template_lines(texts, cfg)
    scored = [scored_lines(text, templates.for_site(site_of(None, None))) for text in texts]
    probs = page_probabilities([lines for _, lines in scored], [None] * len(texts))
    docs = []
    for (numbers, lines), page_probs, removed in zip(
        scored, probs, classify_texts(texts, cfg, None, templates), strict=True
    ):
        # Lines the cleaner removes whatever the threshold: rules and template lines (score None).
        forced = {number: line for number, line, _, score in removed if score is None}
        docs.append((numbers, lines, page_probs, forced))
    removed: dict[float, list[str]] = {}
    n_docs: dict[float, int] = {}
    for value in BOILERPLATE_THRESHOLDS:
        at = replace(cfg, threshold=value, heading_threshold=min(cfg.heading_threshold, value))
        removed[value], n_docs[value] = [], 0
        for numbers, lines, probs, forced in docs:
            gone = dict(forced)
            if lines:
                keep = keep_decisions(lines, probs, at)
                gone.update((n, line) for n, line, kept in zip(numbers, lines, keep, strict=True) if not kept)
            n_docs[value] += bool(gone)
            removed[value] += [gone[n] for n in sorted(gone)]
    settings = tuple(
        replace(s, docs=n_docs[s.value])
        for s in _settings(removed, lines=True, more_at_higher=True, samples=samples)
    )
    return Sweep(
        "boilerplate",
        "boilerplate.threshold",
        "A line is removed when the classifier's content probability is below the threshold "
        "(rule and template lines at every setting).",
        cfg.threshold,
        settings,
    )


def sweep_near_duplicates(texts: Sequence[str], cfg: DedupConfig, samples: int = 3) -> Sweep:
    """Sweep the verified-similarity threshold of near-duplicate detection (exact copies always go)."""
    from corpus_kit.stages.near_dup import cluster_duplicates, dedup_keys

    ids = checks.row_ids(range(len(texts))).to_pylist()
    keys = dedup_keys(pa.table({"id": ids, "text": pa.array(list(texts), pa.string())}), cfg)
    removed = {}
    for value in DEDUP_THRESHOLDS:
        flags = cluster_duplicates(keys, replace(cfg, threshold=value)).column("is_duplicate").to_pylist()
        removed[value] = [texts[int(i)] for i, dup in zip(ids, flags, strict=True) if dup]
    return Sweep(
        "near duplicates",
        "dedup.threshold",
        "A document is removed when its estimated Jaccard similarity to a longer one reaches the "
        "threshold (lower removes more; exact copies at every setting).",
        cfg.threshold,
        _settings(removed, lines=False, more_at_higher=False, samples=samples),
    )


def sweep_language(texts: Sequence[str], cfg: LangidConfig, samples: int = 3) -> Sweep:
    """Sweep `min_prob`: documents in other languages, or below the probability, are removed."""
    from corpus_kit.stages.langid import detect_language

    detected = [detect_language(text, replace(cfg, min_prob=0.0)) for text in texts]
    allowed = set(cfg.languages)
    removed = {
        value: [
            text
            for text, (lang, prob) in zip(texts, detected, strict=True)
            if prob < value or lang == "und" or (allowed and lang not in allowed)
        ]
        for value in LANG_PROB_THRESHOLDS
    }
    languages = ", ".join(cfg.languages) or "any language"
    return Sweep(
        "language",
        "langid.min_prob",
        f"A document is removed when its language is not in ({languages}) or its probability is below "
        "the threshold.",
        cfg.min_prob,
        _settings(removed, lines=False, more_at_higher=True, samples=samples),
    )


def sweep_length(texts: Sequence[str], min_chars: int, samples: int = 3) -> Sweep:
    """Sweep a minimum document length in characters."""
    removed = {value: [text for text in texts if len(text.strip()) < value] for value in MIN_CHARS_THRESHOLDS}
    return Sweep(
        "length",
        "min_chars",
        "A document is removed when it has fewer characters than the threshold.",
        min_chars,
        _settings(removed, lines=False, more_at_higher=True, samples=samples),
    )


def threshold_sweeps(
    texts: Sequence[str],
    boilerplate: BoilerplateConfig | None = None,
    dedup: DedupConfig | None = None,
    langid: LangidConfig | None = None,
    min_chars: int = 20,
    samples: int = 3,
) -> list[Sweep]:
    """Return the four sweeps (boilerplate, near duplicates, language, length) over `texts`."""
    return [
        sweep_boilerplate(texts, boilerplate or BoilerplateConfig(), samples),
        sweep_near_duplicates(texts, dedup or DedupConfig(), samples),
        sweep_language(texts, langid or LangidConfig(), samples),
        sweep_length(texts, min_chars, samples),
    ]


def _bars(sweep: Sweep, total_chars: int) -> str:
    """Return an inline SVG bar chart of the share of characters removed at each setting."""
    width, height, gap = 64, 120, 12
    parts = []
    for i, setting in enumerate(sweep.settings):
        share = setting.chars / total_chars if total_chars else 0.0
        bar = max(1.0, share * height)
        x = i * (width + gap)
        colour = "#c0392b" if setting.value == sweep.current else "#2c7fb8"
        parts.append(
            f'<rect x="{x}" y="{height - bar + 16:.1f}" width="{width}" height="{bar:.1f}" fill="{colour}"/>'
            f'<text x="{x + width / 2}" y="{height - bar + 12:.1f}" text-anchor="middle">{share:.1%}</text>'
            f'<text x="{x + width / 2}" y="{height + 32}" text-anchor="middle">{setting.value:g}</text>'
        )
    total = len(sweep.settings) * (width + gap)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{height + 40}" '
        f'font-size="11" font-family="sans-serif" role="img">{"".join(parts)}</svg>'
    )


def render_html(sweeps: Sequence[Sweep], n_docs: int, n_chars: int, title: str) -> str:
    """Return the report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    esc = html.escape
    body = [f"<h1>{esc(title)}</h1>", f"<p>{n_docs:,} documents, {n_chars:,} characters.</p>"]
    for sweep in sweeps:
        body.append(f"<h2>{esc(sweep.rule)}: <code>{esc(sweep.parameter)}</code></h2>")
        body.append(f"<p>{esc(sweep.explanation)} Configured: <b>{sweep.current:g}</b> (red).</p>")
        body.append("<p>Share of characters removed per setting:</p>" + _bars(sweep, n_chars))
        rows = "".join(
            f"<tr{' class=current' if s.value == sweep.current else ''}>"
            f"<td>{s.value:g}</td><td>{s.docs:,}</td>"
            f"<td>{s.docs / n_docs if n_docs else 0:.1%}</td><td>{s.lines:,}</td><td>{s.chars:,}</td>"
            f"<td>{s.chars / n_chars if n_chars else 0:.1%}</td>"
            f"<td><ul>{''.join(f'<li>{esc(x)}</li>' for x in s.samples)}</ul></td></tr>"
            for s in sweep.settings
        )
        body.append(
            "<table><tr><th>setting</th><th>documents</th><th>% docs</th><th>lines</th><th>characters</th>"
            "<th>% chars</th><th>newly removed at this setting (samples)</th></tr>" + rows + "</table>"
        )
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px;"
        "vertical-align:top;text-align:left}tr.current{background:#fdecea}ul{margin:0;padding-left:1.2em}"
        "li{font-size:90%}"
    )
    return (
        f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def threshold_report(
    splits: dict[str, pa.Table],
    *,
    boilerplate: BoilerplateConfig | None = None,
    dedup: DedupConfig | None = None,
    langid: LangidConfig | None = None,
    min_chars: int = 20,
    max_docs: int = 2000,
    title: str = "corpus-kit threshold report",
) -> str:
    """Return the HTML what-if report over the `text` of all splits.

    At most `max_docs` documents are analysed, evenly spaced over the rows (deterministic), since the
    boilerplate classifier reads every line.
    """
    texts = [text or "" for table in splits.values() for text in table.column("text").to_pylist()]
    if len(texts) > max_docs:
        step = len(texts) / max_docs
        texts = [texts[int(i * step)] for i in range(max_docs)]
    sweeps = threshold_sweeps(texts, boilerplate, dedup, langid, min_chars)
    return render_html(sweeps, len(texts), sum(map(len, texts)), title)
