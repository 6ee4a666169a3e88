"""Scoring the detector against labelled texts: recall and precision per kind.

A labelled span is found when spans of its kind cover at least half of it; a span found is
right when it overlaps a labelled span of its kind. Used by the tests and by
``bench/bench_privacy.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mairie_cli.privacy.detect import KINDS, Detector, Span


@dataclass
class Score:
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    predicted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, span, text)
    false_alarms: list[tuple[str, str, str]] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.found[kind] / self.labelled[kind] if self.labelled[kind] else 1.0

    def precision(self, kind: str | None = None) -> float:
        kinds = [kind] if kind else list(KINDS)
        predicted = sum(self.predicted[k] for k in kinds)
        return sum(self.correct[k] for k in kinds) / predicted if predicted else 1.0


def score(detector: Detector, items: Iterable[dict[str, Any]]) -> Score:
    """Compare the detector with items ``{"text": …, "spans": [{"kind", "start", "end"}]}``."""
    result = Score()
    for item in items:
        text = item["text"]
        gold = item["spans"]
        spans = detector.find(text)
        for label in gold:
            kind = label["kind"]
            result.labelled[kind] += 1
            covered = sum(_overlap(s, label) for s in spans if s.kind == kind)
            if covered * 2 >= label["end"] - label["start"]:
                result.found[kind] += 1
            else:
                result.misses.append((kind, text[label["start"] : label["end"]], text))
        for span in spans:
            result.predicted[span.kind] += 1
            if any(label["kind"] == span.kind and _overlap(span, label) for label in gold):
                result.correct[span.kind] += 1
            else:
                result.false_alarms.append((span.kind, span.text, text))
    return result


def _overlap(span: Span, label: dict[str, Any]) -> int:
    return max(0, min(span.end, int(label["end"])) - max(span.start, int(label["start"])))
