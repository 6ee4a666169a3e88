"""A department's lines, checked and classified by worker processes while the part is read.

Each line of a verified part is re-read as the record its commune signed (schema, canonical
form, the commune's digest recomputed) and its text classified: this is most of a reception's
work, so batches of raw lines go to worker processes (started for the first large part, kept for
the whole reception) while this process reads the rest; a small part is handled here. What
comes back is the merged row, ready to be stored, themes included: the national synthesis, run
again after each department's bundle, reads them instead of classifying a million texts each
time. They are stored with the digest of the taxonomy file they come from; a synthesis with
another taxonomy classifies again (``reading``).
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from mairie_cli.bundle.department import DepartmentLine, check_department_line
from mairie_cli.errors import BundleInvalid
from mairie_cli.parallel import BATCH, PARALLEL_FROM, Workers
from mairie_cli.services.receiving import cleaned
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.taxonomy import load
from mairie_cli.textnorm import content_words

#: What is stored per contribution: main theme, secondary themes (JSON list), score, taxonomy
#: digest; all None for a deleted contribution (it has no text).
Themes = tuple[str | None, str | None, float | None, str | None]
#: A merged row (``CONTRIBUTION_FIELDS`` order), and where its deletion date is.
Row = tuple[Any, ...]
DELETED_AT = 20
_NONE: Themes = (None, None, None, None)
#: One batch of a part: its file's name, department, sequence, and its (number, raw line) pairs.
Job = tuple[str, str, int, list[tuple[int, bytes]]]

_classifier: Classifier | None = None


def start(taxonomy_path: str | None = None) -> None:
    global _classifier
    _classifier = Classifier(load(Path(taxonomy_path) if taxonomy_path else None))


def themes_of(text: str | None) -> Themes:
    """The stored themes of one text."""
    assert _classifier is not None
    if text is None:
        return _NONE
    main, secondary, score = _classifier.themes(content_words(text))
    return main, json.dumps(list(secondary)), score, _classifier.taxonomy.digest


def check_batch(job: Job) -> tuple[list[Row], str | None]:
    """The rows of a batch of lines, up to the first line that is not a valid record (the
    sender's error message is then returned with the rows before it)."""
    if _classifier is None:
        start()
    label, department, sequence, lines = job
    rows: list[Row] = []
    for number, raw in lines:
        try:
            line = check_department_line(raw, number, label)
        except BundleInvalid as exc:
            return rows, exc.message
        text = None if line.record["deleted_at"] else cleaned(line.record["text"])
        rows.append(row(line, department, sequence, text, themes_of(text)))
    return rows, None


def row(line: DepartmentLine, department: str, sequence: int, text: str | None, themes: Themes) -> Row:
    """The merged row of one checked line, with its text as stored and its themes."""
    r = line.record
    scan = r["scan"] or {}
    return (
        line.insee, r["uuid"], r["version"], line.digest, line.commune_digest, department, sequence,
        line.envoi, r["cahier"], r["position"], r["page"], r["date"], r["nature"], text,
        cleaned(r["author"]), r["source"], scan.get("file"), scan.get("page"), r["created_at"],
        r["updated_at"], r["deleted_at"], cleaned(r.get("note")), *themes,
    )  # fmt: skip


class Checking:
    """The workers of one reception (started for its first large part, kept until ``close``)."""

    def __init__(self) -> None:
        self._workers: Workers | None = None

    def part(self, label: str, department: str, sequence: int) -> PartLines:
        return PartLines(self, label, department, sequence)

    def workers(self) -> Workers:
        if self._workers is None:
            self._workers = Workers(start, all_cores=True)
        return self._workers

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None


class PartLines:
    """The lines of one part, sent to the workers batch by batch while the part is read."""

    def __init__(self, checking: Checking, label: str, department: str, sequence: int) -> None:
        self._checking = checking
        self._job = (label, department, sequence)
        self._pending: list[tuple[int, bytes]] = []
        self._futures: list[Future[tuple[list[Row], str | None]]] = []

    def add(self, number: int, raw: bytes) -> None:
        self._pending.append((number, raw))
        # Workers are worth starting for a part of a few thousand lines; then batch by batch.
        if len(self._pending) >= (BATCH if self._futures else PARALLEL_FROM):
            self._send()

    def _send(self) -> None:
        workers = self._checking.workers()
        for first in range(0, len(self._pending), BATCH):
            job: Job = (*self._job, self._pending[first : first + BATCH])
            self._futures.append(workers.submit(check_batch, job))
        self._pending = []

    def rows(self) -> list[Row]:
        """Every line's row, in order; ``BundleInvalid`` for the first line that is not valid."""
        if not self._futures:  # a small part: here, as it was read
            results = [check_batch((*self._job, self._pending))]
        else:
            if self._pending:
                self._send()
            results = [future.result() for future in self._futures]
        rows: list[Row] = []
        for found, problem in results:
            rows += found
            if problem is not None:
                raise BundleInvalid(problem)
        return rows
