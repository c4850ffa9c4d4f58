"""Progress bars: one switch for the whole library; bars go to stderr and only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_enabled = False


def enable_progress_bars(enabled: bool = True) -> None:
    """Turn progress bars on or off (the CLI turns them on for a terminal without --quiet)."""
    global _enabled
    _enabled = enabled


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "doc") -> Iterator[T]:
    """Iterate `items`, showing a bar on stderr when bars are enabled and stderr is a terminal."""
    if not (_enabled and sys.stderr.isatty()):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(
        items, desc=desc, total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False
    )
