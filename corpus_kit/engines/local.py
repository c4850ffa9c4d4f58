"""The local engine: a pool of processes over Parquet shards, results in shard order.

Workers are started with `spawn` (safe with Arrow's threads, and the start method Ray, macOS
and Windows use), so per-process state such as the seeded language detector is rebuilt in
each worker from the config, never inherited.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(requested: int) -> int:
    """Return the number of worker processes: `requested`, or all cores when it is 0."""
    return requested or os.cpu_count() or 1


class WorkerPool:
    """Worker processes shared by several maps, started on first use and stopped on exit.

    One pool for consecutive passes (e.g. template counting, then the document stages) starts the
    interpreters, and imports what they need, once. With one worker, maps run inline.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def map_ordered(self, func: Callable[[T], R], items: Iterable[T], ahead: int = 2) -> Iterator[R]:
        """Yield `func(item)` for every item, in order.

        At most `ahead` items per worker are in flight, so a lazy `items` is read as results are
        consumed and memory holds a few items, not all of them. A single item runs inline.
        """
        items = iter(items)
        first = list(itertools.islice(items, 2))
        if self.workers <= 1 or len(first) <= 1:
            yield from map(func, itertools.chain(first, items))
            return
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        pending: deque[Future[R]] = deque()
        for item in itertools.chain(first, items):
            pending.append(self._pool.submit(func, item))
            if len(pending) >= ahead * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
