"""Character error rate, as the tests and the evaluation scripts compute it."""

from __future__ import annotations


def levenshtein(a: str, b: str) -> int:
    """Edit distance between two strings (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(expected: str, got: str) -> float:
    """Character error rate (Levenshtein distance / length), whitespace normalised."""
    a, b = " ".join(expected.split()), " ".join(got.split())
    return levenshtein(a, b) / max(len(a), 1)
