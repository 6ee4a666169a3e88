"""Masking many texts in order, in worker processes when there are many.

Detection costs nearly as much as the rest of an export per contribution (it is pure
Python): a large export hands batches of texts to worker processes (``mairie_cli.parallel``)
and gets them back in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from mairie_cli.parallel import ordered_map
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


def _mask_batch(
    items: list[tuple[str, str | None, tuple[str, ...]]],
) -> list[tuple[str | None, dict[str, int]]]:
    """Mask ``(uuid, text, author names)`` in a worker; a missing text (a tombstone) stays missing."""
    results: list[tuple[str | None, dict[str, int]]] = []
    for uuid, text, names in items:
        if text is None:
            results.append((None, {}))
            continue
        special = uuid in _worker_choices.keep_for or uuid in _worker_choices.mask_for
        detector = _worker_choices.detector(uuid) if special else _worker_detector
        masked, counts = detector.mask(text, names)
        # Most texts hold nothing to mask: « unchanged » travels back instead of the text.
        results.append((masked, dict(counts)) if counts else (None, {}))
    return results


def mask_stream(
    items: Iterable[T],
    of: Callable[[T], tuple[str, str | None, tuple[str, ...]]],
    *,
    choices: Choices,
    total: int,
) -> Iterator[tuple[T, str | None, dict[str, int]]]:
    """``(item, masked text, counts by kind)`` for each item, in order; ``of(item)`` gives its
    ``(uuid, text, author names)`` (text None for a tombstone). With ``total`` at or above
    ``PARALLEL_FROM``, batches of texts are masked by worker processes."""
    results = ordered_map(
        items, of, _mask_batch, total=total, initializer=_start_worker, initargs=(choices,),
        threshold=PARALLEL_FROM, batch=_BATCH,
    )  # fmt: skip
    for item, (masked, counts) in results:
        yield item, of(item)[1] if masked is None else masked, counts
