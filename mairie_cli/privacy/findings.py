"""What the rules found in a text, kept so that each text is examined once.

Detection is most of the cost of a masked export (pure Python, about 35 µs a text). What the
rules find depends only on the words examined (a text, its note, its author's names) and on
the rules themselves, not on the secretary's decisions, which are applied on top each time
(``Detector.find(…, found=…)``). So it is kept, with a key: the SHA-256 of the rules (the
sources of this package, the text folding they use, the ``phonenumbers`` version) and of those
words. A kept finding is used only when its key is that of the words and the rules as they are
now; after a correction, or with another version of mairie, the words are examined again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TypeVar

from mairie_cli.parallel import ordered_map
from mairie_cli.privacy.detect import Detector, Span

T = TypeVar("T")
#: What is examined: the text (with its note) and the author's names as signed.
Words = tuple[str, tuple[str, ...]]
#: A finding as kept: its key and its spans in JSON.
Kept = tuple[str, str]

#: From this many texts on, worker processes examine them.
PARALLEL_FROM = 5000
_BATCH = 1000
#: The spans of a text where the rules find nothing (most texts).
NOTHING = "[]"


@cache
def rules_digest() -> str:
    """Changes whenever the rules may find something else: a new version of mairie's rules or
    of the phone-number library."""
    import phonenumbers

    from mairie_cli import __version__

    # mairie's version too: where the sources are not files (a frozen build), it still changes.
    digest = hashlib.sha256(f"mairie {__version__} phonenumbers {phonenumbers.__version__}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), package.parent / "textnorm.py"]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def key(words: Words) -> str:
    """The key of what the rules find in these words: the SHA-256 of the rules' digest, the
    text and the names, each after a NUL."""
    text, names = words
    digest = hashlib.sha256(f"{rules_digest()}\0".encode())
    # Without names, the text is hashed as it is: joining would copy it first.
    digest.update("\0".join((text, *names)).encode() if names else text.encode())
    return digest.hexdigest()[:32]


def encode(spans: list[Span]) -> str:
    if not spans:
        return NOTHING
    return json.dumps([[s.kind, s.start, s.end, s.rule] for s in spans], ensure_ascii=False)


def decode(text: str, spans: str) -> list[Span]:
    if spans == NOTHING:
        return []
    return [Span(kind, start, end, text[start:end], rule) for kind, start, end, rule in json.loads(spans)]


def examine(words: Words) -> Kept:
    """What the rules find in these words, ready to keep."""
    return _found(words, key(words))


def refreshed(words: Words, kept: Kept | None) -> Kept | None:
    """What the rules find in these words: None when ``kept`` is current (nothing to keep
    anew), else examined now (the key is computed once)."""
    now = key(words)
    return None if kept is not None and kept[0] == now else _found(words, now)


def _found(words: Words, now: str) -> Kept:
    return now, encode(Detector.rules(*words))


def is_current(words: Words, kept: Kept | None) -> bool:
    """Whether a kept finding is that of these words under the rules as they are now."""
    return kept is not None and kept[0] == key(words)


def complete(
    items: Iterable[tuple[T, Kept | None]], of: Callable[[T], Words | None], *, stale: int
) -> Iterator[tuple[T, Kept | None, bool]]:
    """Each item with its finding, and whether it was examined just now: the finding kept for
    it when its key is that of its words (``of(item)``; None: nothing to examine, a tombstone)
    and of the rules as they are; else examined now — by a worker process, while this one goes
    on, when ``stale`` (how many items are expected to need it) reaches ``PARALLEL_FROM``."""

    def needed(entry: tuple[T, Kept | None]) -> Words | None:
        item, kept = entry
        words = of(item)
        if words is None or is_current(words, kept):
            return None
        return words

    results = ordered_map(
        items, needed, _examine_batch, total=stale, initializer=_start_worker,
        threshold=PARALLEL_FROM, batch=_BATCH,
    )  # fmt: skip
    for (item, kept), fresh in results:
        yield item, kept if fresh is None else fresh, fresh is not None


def _start_worker() -> None:
    rules_digest()


def _examine_batch(batch: list[Words | None]) -> list[Kept | None]:
    return [None if words is None else examine(words) for words in batch]
