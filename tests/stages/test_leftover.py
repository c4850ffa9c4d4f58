"""The clean stage's leftover scores: the classifier's verdict on the text it wrote, read alone."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pytest

from corpus_kit import schema
from corpus_kit.config import BoilerplateConfig
from corpus_kit.stages.boilerplate import classify_texts, clean_pages, remove_boilerplate
from corpus_kit.stages.template_lines import count_template_lines, merge_template_counts
from corpus_kit.validation import checks
from tests.stages.test_boilerplate import _evaluation_pages
from tests.validation.corpora import seed_paragraphs

CFG = BoilerplateConfig(template_min_docs=3, template_min_share_corpus=1.0)
MENU = "Day In a Page"
PROMO = "Start your day with The Independent, sign up for daily news emails"


def _pages() -> pa.Table:
    """Real pages of three kinds: whole plain-text pages of two extraction benchmarks (the cleaner
    removes lines from most), articles of one site between its menu and promo lines (template lines;
    the cleaner keeps the rest whole) and web pages with main-text shares (the HTML model)."""
    benchmark = _evaluation_pages("l3s_gn1", 30) + _evaluation_pages("cleaneval", 30)
    texts = ["\n".join(p["naive_lines"]) for p in benchmark]
    urls = [p["url"] for p in benchmark]
    articles = seed_paragraphs()[:12]
    texts += [f"{MENU}\n\n{paragraph}\n\n{PROMO}" for paragraph in articles]
    # Each url has a slug: the only line features that read the url see words in it.
    urls += [f"https://www.independent.co.uk/news/world/asia/kashmir-militants-{n}.html" for n in range(12)]
    shares: list[list[float] | None] = [None] * len(texts)
    for page in _evaluation_pages("scrapinghub_aeb", 10):
        lines = page["naive_lines"]
        texts.append("\n".join(lines))
        urls.append(page["url"])
        shares.append([1.0 if len(line) >= 80 else 0.0 for line in lines])
    return pa.table(
        {
            "id": [f"doc-{n}" for n in range(len(texts))],
            "text": texts,
            "url": urls,
            "main_text_share": pa.array(shares, pa.list_(pa.float32())),
        }
    )


# The check's own settings, and stricter ones that make the classifier remove lines the cleaner kept.
@pytest.mark.parametrize("strict", [CFG, replace(CFG, threshold=0.995, heading_threshold=0.995, tail_gap=0)])
def test_leftover_scores_are_what_the_classifier_says_of_the_cleaned_text(strict: BoilerplateConfig) -> None:
    table = _pages()
    templates = merge_template_counts([count_template_lines(table, CFG)], CFG)
    out = clean_pages(table, CFG, templates)
    scores = out.leftover_scores(strict).to_pylist()
    out = out.table
    cleaned = out.column("text").to_pylist()
    # The classifier on the cleaned text alone: no url, no template lines.
    expected = [
        max((score for *_, score in removed if score is not None), default=None)
        for removed in classify_texts(cleaned, strict)
    ]
    assert scores == expected
    # Both ways of computing them were taken: pages kept whole and pages the cleaner cut.
    whole = [
        all(line["reason"] == schema.LINE_TEMPLATE for line in removed)
        for removed in out.column("removed_lines").to_pylist()
    ]
    assert 12 <= sum(whole) < len(whole) - 40
    assert any(score is not None for score in expected)
    assert remove_boilerplate(table, CFG, templates).equals(out)


@pytest.mark.parametrize("min_score", [0.0, 0.5, 0.9])
def test_the_boilerplate_check_from_leftover_scores_equals_the_classifying_one(min_score: float) -> None:
    out = clean_pages(_pages(), CFG)
    cleaned = out.table.column("text").to_pylist()
    scores = out.leftover_scores(CFG).to_pylist()
    # Three texts with a line of the validation's template lines (the menu and promo lines are gone),
    # three with a line the rules remove: both count whatever the scores say.
    texts = [
        *cleaned,
        *[f"{MENU}\n{text}" for text in cleaned[:3]],
        *[f"Skip to content\n{t}" for t in cleaned[3:6]],
    ]
    templates = checks.template_lines(texts, CFG)
    scores += [None] * 6
    for rules, rows in ((True, len(texts)), (False, len(cleaned) + 3)):
        cfg = replace(CFG, rules=rules)
        flags = checks.has_boilerplate(texts[:rows], cfg, templates, min_score)
        assert checks.has_boilerplate_scored(texts[:rows], cfg, templates, min_score, scores[:rows]) == flags
        assert flags[len(cleaned) :] == [True] * (rows - len(cleaned))
