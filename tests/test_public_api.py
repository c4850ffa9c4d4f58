"""The public API: `__all__` is complete, and importing corpus_kit stays light."""

from __future__ import annotations

import subprocess
import sys

import corpus_kit


def test_all_names_exist_and_are_sorted_public() -> None:
    assert sorted(corpus_kit.__all__) == sorted(set(corpus_kit.__all__))
    for name in corpus_kit.__all__:
        assert getattr(corpus_kit, name) is not None
    public = {
        n
        for n in vars(corpus_kit)
        if not n.startswith("_") and not isinstance(getattr(corpus_kit, n), type(sys))
    }
    assert public == set(corpus_kit.__all__)


def test_import_does_not_load_heavy_or_optional_libraries() -> None:
    heavy = "('great_expectations', 'huggingface_hub', 'datasets', 'ray')"
    code = f"import sys, corpus_kit; print(','.join(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
