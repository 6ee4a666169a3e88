"""Near-duplicates: petitions, form letters, the same tract copied into several cahiers.

Each text becomes the set of its 4-word sequences (« shingles », accents and case aside); two
texts whose sets overlap by at least 70 % (Jaccard) are the same text. The overlap is estimated
from a bottom-k sketch (the 8 smallest shingle hashes, kept as 64 bytes per group), and
candidates are found through the two smallest hashes only, so grouping 100,000 texts takes one
pass and memory in proportion to the groups, not to the pairs. Short texts (under 8 words) are
grouped only when identical once normalised. Hashes come from each word's CRC-32 and CPython's
hash of integer tuples, neither of which is salted: the groups are the same on every run.
"""

from __future__ import annotations

import zlib
from array import array
from dataclasses import dataclass, field

from mairie_cli.textnorm import fold, words

SHINGLE = 4
SKETCH = 8
MIN_WORDS = 8
SIMILAR = 0.7

_WORD_HASHES: dict[str, int] = {}
_MASK = (1 << 63) - 1


def _word_hash(word: str) -> int:
    value = zlib.crc32(fold(word).encode())
    if len(_WORD_HASHES) < 500_000:
        _WORD_HASHES[word] = value
    return value


def sketch(text: str) -> tuple[int, ...]:
    """The bottom-k sketch of a text (one value, a digest of its words, for a short text)."""
    return sketch_words(words(text))


def sketch_words(tokens: list[str]) -> tuple[int, ...]:
    """``sketch`` for a text already cut into words (``textnorm.words``)."""
    if len(tokens) < MIN_WORDS:
        return (zlib.crc32(" ".join(fold(w) for w in tokens).encode()),) if tokens else ()
    known = _WORD_HASHES
    h = [known.get(w) or _word_hash(w) for w in tokens]
    hashes = {hash(shingle) & _MASK for shingle in zip(h, h[1:], h[2:], h[3:], strict=False)}
    return tuple(sorted(hashes)[:SKETCH])


def similarity(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    """Estimated Jaccard overlap of two texts from their sketches."""
    if len(first) == 1 or len(second) == 1:
        return 1.0 if first == second else 0.0
    union = sorted(set(first) | set(second))[:SKETCH]
    shared = set(first) & set(second)
    return sum(1 for h in union if h in shared) / len(union) if union else 0.0


@dataclass
class Grouper:
    """Assigns each text a group (the number of its first member); feed texts in order."""

    _by_hash: dict[int, int] = field(default_factory=dict)  # one of a group's smallest hashes -> group
    _sketches: dict[int, bytes] = field(default_factory=dict)  # group -> its first sketch, packed
    sizes: dict[int, int] = field(default_factory=dict)  # group -> members

    def add(self, number: int, text: str) -> int:
        """The group of text ``number`` (its own number if it is the first of its kind)."""
        return self.add_sketch(number, sketch(text))

    def add_sketch(self, number: int, signature: tuple[int, ...]) -> int:
        """``add`` for a sketch computed elsewhere (in a worker process)."""
        if not signature:
            return number
        for key in signature[:2]:
            group = self._by_hash.get(key)
            if group is not None and similarity(_unpack(self._sketches[group]), signature) >= SIMILAR:
                self.sizes[group] = self.sizes.get(group, 1) + 1
                return group
        for key in signature[:2]:
            self._by_hash.setdefault(key, number)
        self._sketches[number] = array("q", signature).tobytes()
        return number

    def size(self, group: int) -> int:
        return self.sizes.get(group, 1)

    def groups(self) -> int:
        """Groups of at least two texts."""
        return len(self.sizes)

    def grouped(self) -> int:
        """Texts that belong to a group of at least two."""
        return sum(self.sizes.values())


def _unpack(packed: bytes) -> tuple[int, ...]:
    values = array("q")
    values.frombytes(packed)
    return tuple(values)
