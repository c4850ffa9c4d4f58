"""Progress bars: one switch for the whole library; bars go to stderr and only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

_enabled = False


def enable_progress_bars(enabled: bool = True) -> None:
    """Turn progress bars on or off (the CLI turns them on for a terminal without --quiet)."""
    global _enabled
    _enabled = enabled


class StageBar:
    """A bar counting documents and megabytes of one stage; does nothing when bars are off."""

    def __init__(self, desc: str, total: int | None) -> None:
        self._bar = None
        self._mb = 0.0
        if _enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                desc=desc, total=total, unit="doc", unit_scale=True, file=sys.stderr, leave=False
            )

    def update(self, docs: int, nbytes: int = 0) -> None:
        """Count `docs` more documents of `nbytes` bytes."""
        if self._bar is not None:
            self._mb += nbytes / 1e6
            self._bar.set_postfix_str(f"{self._mb:,.1f} MB", refresh=False)
            self._bar.update(docs)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def stage_bar(desc: str, total: int | None = None) -> Iterator[StageBar]:
    """Show a bar for one stage (documents, MB, rate, ETA when `total` is known)."""
    bar = StageBar(desc, total)
    try:
        yield bar
    finally:
        bar.close()
