"""The local engine: a pool of processes over Parquet shards, results in shard order.

Workers are started with `spawn` (safe with Arrow's threads, and the start method Ray, macOS
and Windows use), so per-process state such as the seeded language detector is rebuilt in
each worker from the config, never inherited.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(requested: int) -> int:
    """Return the number of worker processes: `requested`, or all cores when it is 0."""
    return requested or os.cpu_count() or 1


def map_ordered(func: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    """Yield `func(item)` for every item, in order, on `workers` processes (inline for one)."""
    if workers <= 1 or len(items) <= 1:
        yield from map(func, items)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        yield from pool.map(func, items)
