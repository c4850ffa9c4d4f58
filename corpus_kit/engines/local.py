"""The local engine: a pool of processes over Parquet shards, results in shard order.

Workers are started with `spawn` (safe with Arrow's threads, and the start method Ray, macOS
and Windows use), so per-process state such as the seeded language detector is rebuilt in
each worker from the config, never inherited.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(requested: int) -> int:
    """Return the number of worker processes: `requested`, or all cores when it is 0."""
    return requested or os.cpu_count() or 1


def map_ordered(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """Yield `func(item)` for every item, in order, on `workers` processes (inline for one).

    At most two items per worker are in flight, so a lazy `items` is read as results are consumed
    and memory holds a few items, not all of them.
    """
    if workers <= 1 or (isinstance(items, Sized) and len(items) <= 1):
        yield from map(func, items)
        return
    context = multiprocessing.get_context("spawn")
    size = min(workers, len(items)) if isinstance(items, Sized) else workers
    with ProcessPoolExecutor(max_workers=size, mp_context=context) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
