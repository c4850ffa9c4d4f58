"""Progress bars: shown per stage on a terminal when enabled, silent otherwise."""

from __future__ import annotations

import io
import sys

import pytest

from corpus_kit import progress
from corpus_kit.validation import validate_splits
from tests.validation.corpora import seed_paragraphs, table


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("enabled", [True, False])
def test_validation_shows_a_bar_per_step_only_when_enabled(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "_enabled", enabled)
    validate_splits({"train": table(seed_paragraphs()[:6])}, "corpus")
    steps = {
        line.split(":")[1].strip()
        for line in terminal.getvalue().replace("\r", "\n").splitlines()
        if line.startswith("validate:")
    }
    expected = {
        "hashes, dedup keys, template lines",
        "boilerplate, language",
        "expectations (Great Expectations)",
    }
    assert steps == (expected if enabled else set())
