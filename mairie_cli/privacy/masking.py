"""Masking many texts in order, in worker processes when there are many.

Detection costs more than the rest of an export per contribution (it is pure Python): a
large export hands batches of texts to spawned worker processes, on the cores the export
itself leaves idle, and gets them back in order. Small exports mask in-process (starting a
worker costs more than it saves).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from mairie_cli.privacy.detect import Detector

T = TypeVar("T")
#: From this many texts on, workers are worth starting.
PARALLEL_FROM = 5000
_BATCH = 1000


@dataclass(frozen=True)
class Choices:
    """The secretary's decisions: for the whole commune, and per contribution (by UUID)."""

    keep: tuple[str, ...] = ()
    mask: tuple[tuple[str, str], ...] = ()
    keep_for: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mask_for: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def detector(self, uuid: str | None = None) -> Detector:
        if uuid is None or (uuid not in self.keep_for and uuid not in self.mask_for):
            return Detector(self.keep, self.mask)
        return Detector(self.keep + self.keep_for.get(uuid, ()), self.mask + self.mask_for.get(uuid, ()))


_worker_choices = Choices()
_worker_detector = Detector()


def _start_worker(choices: Choices) -> None:
    global _worker_choices, _worker_detector
    _worker_choices = choices
    _worker_detector = choices.detector()


def _mask_batch(items: list[tuple[str, str | None]]) -> list[tuple[str | None, dict[str, int]]]:
    """Mask ``(uuid, text)`` pairs in a worker; a missing text (a tombstone) stays missing."""
    results: list[tuple[str | None, dict[str, int]]] = []
    for uuid, text in items:
        if text is None:
            results.append((None, {}))
            continue
        special = uuid in _worker_choices.keep_for or uuid in _worker_choices.mask_for
        detector = _worker_choices.detector(uuid) if special else _worker_detector
        masked, counts = detector.mask(text)
        results.append((masked, dict(counts)))
    return results


def mask_stream(
    items: Iterable[T], of: Callable[[T], tuple[str, str | None]], *, choices: Choices, total: int
) -> Iterator[tuple[T, str | None, Counter[str]]]:
    """``(item, masked text, counts)`` for each item, in order; ``of(item)`` gives its
    ``(uuid, text)`` (text None for a tombstone). With ``total`` at or above
    ``PARALLEL_FROM``, batches of texts are masked by worker processes."""
    if total < PARALLEL_FROM:
        results = _mask_here(((item, *of(item)) for item in items), choices)
        yield from results
        return
    workers = max(1, (os.cpu_count() or 1) - 1)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(choices,)
    ) as pool:
        waiting: deque[tuple[list[T], Future[list[tuple[str | None, dict[str, int]]]]]] = deque()
        batch: list[T] = []
        pairs: list[tuple[str, str | None]] = []
        for item in items:
            batch.append(item)
            pairs.append(of(item))
            if len(batch) >= _BATCH:
                waiting.append((batch, pool.submit(_mask_batch, pairs)))
                batch, pairs = [], []
                while len(waiting) > 2 * workers + 1:
                    yield from _drain(waiting.popleft())
        if batch:
            waiting.append((batch, pool.submit(_mask_batch, pairs)))
        while waiting:
            yield from _drain(waiting.popleft())


def _mask_here(
    entries: Iterable[tuple[T, str, str | None]], choices: Choices
) -> Iterator[tuple[T, str | None, Counter[str]]]:
    shared = choices.detector()
    for item, uuid, text in entries:
        if text is None:
            yield item, None, Counter()
            continue
        special = uuid in choices.keep_for or uuid in choices.mask_for
        masked, counts = (choices.detector(uuid) if special else shared).mask(text)
        yield item, masked, counts


def _drain(
    entry: tuple[list[T], Future[list[tuple[str | None, dict[str, int]]]]],
) -> Iterator[tuple[T, str | None, Counter[str]]]:
    items, future = entry
    for item, (masked, counts) in zip(items, future.result(), strict=True):
        yield item, masked, Counter(counts)
