"""Work on many items in worker processes, results back in order (pure-Python CPU work).

Used where per-item work (masking personal data, classifying themes) costs more than the rest
of a command: batches go to spawned workers on the cores the command leaves idle, a bounded
number of batches is in flight (memory stays flat), and results come back in input order.
Below ``threshold`` items the work runs in-process: starting a worker costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")

PARALLEL_FROM = 5000
BATCH = 1000


def ordered_map(
    items: Iterable[T],
    args: Callable[[T], A],
    work: Callable[[list[A]], list[R]],
    *,
    total: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...] = (),
    threshold: int | None = None,
    batch: int | None = None,
    all_cores: bool = False,
) -> Iterator[tuple[T, R]]:
    """``(item, result)`` for each item, in order; ``work`` maps a batch of ``args(item)``.

    ``work`` and ``initializer`` must be top-level functions (workers are spawned);
    ``initializer(*initargs)`` prepares each worker, or this process when working in-process.
    With ``all_cores``, a worker per core: for work this process only waits for.
    """
    size = batch or BATCH
    if total < (PARALLEL_FROM if threshold is None else threshold):
        initializer(*initargs)
        pending: list[T] = []
        for item in items:
            pending.append(item)
            if len(pending) >= size:
                yield from zip(pending, work([args(i) for i in pending]), strict=True)
                pending = []
        if pending:
            yield from zip(pending, work([args(i) for i in pending]), strict=True)
        return
    with Workers(initializer, initargs, all_cores=all_cores) as workers:
        yield from workers.map(items, args, work, size)


class Workers:
    """Worker processes started when first needed and kept for several maps (a reception
    classifies the texts of each file it applies: starting workers per file would cost more
    than it saves). ``initializer(*initargs)`` prepares each of them."""

    def __init__(
        self, initializer: Callable[..., None], initargs: tuple[Any, ...] = (), *, all_cores: bool = False
    ) -> None:
        self._initializer, self._initargs = initializer, initargs
        self._count = max(1, (os.cpu_count() or 1) - (0 if all_cores else 1))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self._count, mp_context=context, initializer=self._initializer, initargs=self._initargs
            )
        return self._pool

    def submit(self, work: Callable[[A], R], job: A) -> Future[R]:
        """One job, worked on while the caller goes on (reading the rest of a file)."""
        return self._started().submit(work, job)

    def map(
        self,
        items: Iterable[T],
        args: Callable[[T], A],
        work: Callable[[list[A]], list[R]],
        batch: int = BATCH,
        local: Callable[[list[A]], list[R]] | None = None,
    ) -> Iterator[tuple[T, R]]:
        """``(item, result)`` for each item, in order; a bounded number of batches in flight.

        With ``local`` (``work`` as this process can do it), this process works on the next
        batch itself whenever it would otherwise wait for the workers: on two cores, the
        process that writes what comes back is often idle for part of the time."""
        pool = self._started()
        waiting: deque[tuple[list[T], Future[list[R]]]] = deque()
        source = iter(items)
        limit = 2 * self._count + 1
        while chunk := list(islice(source, batch)):
            waiting.append((chunk, pool.submit(work, [args(i) for i in chunk])))
            while len(waiting) > limit:
                done, future = waiting[0]
                if local is not None and not future.done() and len(waiting) < 2 * limit:
                    extra = list(islice(source, batch))
                    if extra:
                        here: Future[list[R]] = Future()
                        here.set_result(local([args(i) for i in extra]))
                        waiting.append((extra, here))
                        continue
                waiting.popleft()
                yield from zip(done, future.result(), strict=True)
        while waiting:
            done, future = waiting.popleft()
            yield from zip(done, future.result(), strict=True)
