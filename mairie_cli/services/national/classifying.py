"""Themes worked out once, when the federation receives a contribution: the national synthesis,
run again after each department's bundle, then reads them instead of classifying a million
texts each time. They are stored with the digest of the taxonomy file they come from; a
synthesis with another taxonomy classifies again (``reading``). A large part is classified by
worker processes kept for the whole reception, while it is being read."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

from mairie_cli.parallel import BATCH, Workers
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.taxonomy import load
from mairie_cli.textnorm import STOP_WORDS, words

#: What is stored per contribution: main theme, secondary themes (JSON list), score, taxonomy
#: digest; all None for a deleted contribution (it has no text).
Themes = tuple[str | None, str | None, float | None, str | None]
_NONE: Themes = (None, None, None, None)

_classifier: Classifier | None = None


def start(taxonomy_path: str | None = None) -> None:
    global _classifier
    _classifier = Classifier(load(Path(taxonomy_path) if taxonomy_path else None))


def themes_of(texts: list[str | None]) -> list[Themes]:
    """The stored themes of each text (a worker's batch, or this process's)."""
    assert _classifier is not None
    digest = _classifier.taxonomy.digest
    found: list[Themes] = []
    for text in texts:
        if text is None:
            found.append(_NONE)
            continue
        main, secondary, score = _classifier.themes([t for t in words(text) if t not in STOP_WORDS])
        found.append((main, json.dumps(list(secondary)), score, digest))
    return found


class Classifying:
    """Classifies the texts of each part a reception applies: as the part is read, batches go to
    worker processes (started for the first large part, kept until ``close``), so that reading
    and classifying overlap; a small part is classified here."""

    def __init__(self) -> None:
        self._workers: Workers | None = None

    def part(self) -> PartThemes:
        return PartThemes(self)

    def workers(self) -> Workers:
        if self._workers is None:
            self._workers = Workers(start)  # one core reads the files, the others classify
        return self._workers

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None


class PartThemes:
    """The texts of one part, sent to the workers batch by batch while the part is read."""

    def __init__(self, classifying: Classifying) -> None:
        self._classifying = classifying
        self._texts: list[str | None] = []
        self._sent = 0
        self._futures: list[Future[list[Themes]]] = []

    def add(self, text: str | None) -> None:
        """A text (None for a deleted contribution), as it will be stored."""
        self._texts.append(text)
        if len(self._texts) - self._sent >= BATCH:
            self._send()

    def _send(self) -> None:
        batch, self._sent = self._texts[self._sent :], len(self._texts)
        self._futures.append(self._classifying.workers().submit(themes_of, batch))

    @property
    def texts(self) -> list[str | None]:
        return self._texts

    def results(self) -> list[Themes]:
        """The themes of every text added, in order."""
        if not self._futures:
            if _classifier is None:
                start()
            return themes_of(self._texts)
        if self._sent < len(self._texts):
            self._send()
        return [found for future in self._futures for found in future.result()]
