"""Threshold what-if report: counts per setting on real text, and a self-contained HTML page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig
from corpus_kit.validation.outputs import write_threshold_report
from corpus_kit.validation.report import (
    sweep_boilerplate,
    sweep_language,
    sweep_length,
    sweep_near_duplicates,
)
from tests.validation.corpora import german_paragraphs, near_copy, seed_paragraphs, table


def _texts() -> list[str]:
    paragraphs = seed_paragraphs()
    return [
        *paragraphs[:20],
        "Skip to content\n\n" + paragraphs[20],
        paragraphs[21] + "\n\nStart your day with The Independent, sign up for daily news emails",
        paragraphs[3],  # exact copy
        near_copy(paragraphs[7]),
        " ".join(paragraphs[9].split()[:40]),  # a cut copy: a weaker near duplicate
        *german_paragraphs(2),
    ]


def _counts(sweep) -> list[tuple[float, int, int, int]]:
    return [(s.value, s.docs, s.lines, s.chars) for s in sweep.settings]


def test_length_and_language_sweeps() -> None:
    texts = _texts()
    length = sweep_length(texts, 20)
    assert [(s.value, s.docs) for s in length.settings] == [
        (0, 0),
        (100, 0),
        (200, 2),
        (500, 24),
        (1000, 27),
        (2000, 27),
    ]
    assert length.settings[2].samples == tuple(t for t in texts if len(t) < 200)
    language = sweep_language(texts, LangidConfig(languages=("en",)))
    assert [(s.value, s.docs) for s in language.settings] == [
        (0.5, 2),
        (0.7, 2),
        (0.8, 2),
        (0.9, 2),
        (0.95, 2),
        (0.99, 2),
    ]
    assert language.settings[0].samples[0].startswith("Artikel")


def test_near_duplicate_sweep_removes_more_at_lower_thresholds() -> None:
    sweep = sweep_near_duplicates(_texts(), DedupConfig())
    assert [s.value for s in sweep.settings] == [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    docs = [s.docs for s in sweep.settings]
    assert docs == sorted(docs, reverse=True)
    assert (docs[0], docs[-1]) == (3, 2)  # the cut copy (about 0.6 Jaccard) only at low thresholds
    cut = " ".join(seed_paragraphs()[9].split()[:40])
    [sample] = [x for s in sweep.settings for x in s.samples if x[:100] == cut[:100]]
    assert (len(sample), sample[:-1]) == (240, cut[:239])  # samples are cut to 240 characters
    assert sweep.current == DedupConfig().threshold


def test_boilerplate_sweep_counts_rule_lines_at_every_setting() -> None:
    sweep = sweep_boilerplate(_texts(), BoilerplateConfig())
    lines = [s.lines for s in sweep.settings]
    assert lines == sorted(lines)  # a higher threshold never removes fewer lines
    docs = [s.docs for s in sweep.settings]
    assert docs == sorted(docs)
    # A rule line goes at every setting, so it is a sample of the loosest one.
    assert "Skip to content" in sweep.settings[0].samples


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_report_page_is_self_contained(tmp_path: Path) -> None:
    pq.write_table(table(_texts()), tmp_path / "d.parquet")
    out = write_threshold_report(tmp_path / "d.parquet", tmp_path / "r" / "report.html", max_docs=10)
    page = out.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert parser.tags.count("svg") == 4
    assert parser.tags.count("table") == 4
    assert "script" not in parser.tags
    assert parser.links == []
    assert re.search(r"<p>10 documents, [\d,]+ characters.</p>", page)


def test_report_command_marks_the_configured_values(tmp_path: Path, capsys) -> None:
    from corpus_kit.config import config_from_dict
    from corpus_kit.validation import run_report_command

    pq.write_table(table(_texts()), tmp_path / "d.parquet")
    cfg = config_from_dict({"dedup": {"threshold": 0.7}, "langid": {"languages": ["en"]}})
    assert run_report_command(tmp_path / "d.parquet", tmp_path / "report.html", cfg, max_docs=8) == 0
    assert capsys.readouterr().out == f"report written to {tmp_path / 'report.html'}\n"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<code>dedup.threshold</code>" in page
    assert "Configured: <b>0.7</b>" in page
    assert "(en)" in page
