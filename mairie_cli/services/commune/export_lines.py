"""The lines of an export: each contribution read, masked, made into its record, the record's
canonical JSON line, its digest and its CSV row.

For a large export, worker processes do it, one per core, each reading its share of the
register itself (a read-only connection, by row id) while this process writes the parts:
only the finished bytes cross back. A text never examined for personal data (or corrected
since) is examined there too, and what was found comes back to be kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import sqlite_utils

from mairie_cli.bundle.records import Pseudonyms, canonical_json, csv_row, export_record
from mairie_cli.csvtext import csv_line
from mairie_cli.parallel import Workers
from mairie_cli.privacy import findings
from mairie_cli.privacy.masking import Choices
from mairie_cli.services.commune import findings as findings_of
from mairie_cli.services.commune.findings import Masking
from mairie_cli.services.commune.scans import ScanIndex
from mairie_cli.storage.commune.exports import ExportStore
from mairie_cli.storage.commune.pages import PageStore
from mairie_cli.storage.database import open_reader

if TYPE_CHECKING:
    from mairie_cli.models import Contribution

#: From this many contributions on, worker processes make the lines.
PARALLEL_FROM = 5000
_BATCH = 1000


@dataclass(frozen=True)
class Setup:
    """What a worker needs to make lines: where the register is, the commune's pseudonym key,
    the secretary's decisions (None: texts leave as written, for measurements only)."""

    database: Path
    root: Path
    pseudonym_key: bytes
    choices: Choices | None


class Line(NamedTuple):
    """One contribution as it leaves: what the parts and the state summary need."""

    uuid: str
    version: int
    deleted: bool
    page_id: int | None
    json: bytes  # the canonical JSON line, without its newline
    csv: bytes
    digest: str  # SHA-256 of ``json``
    masked: dict[str, int] | None  # spans masked per kind (None: nothing)
    examined: findings.Kept | None  # what the rules found, when examined just now


def stream(setup: Setup, ids: list[int], db: sqlite_utils.Database) -> Iterator[Line | None]:
    """The line of each contribution with these row ids, in this order (None: no longer in the
    register); from ``PARALLEL_FROM`` on, made by worker processes, else here with ``db``."""
    if len(ids) < PARALLEL_FROM:
        maker = _Maker(setup, db)
        for start in range(0, len(ids), _BATCH):
            yield from maker.lines(ids[start : start + _BATCH])
        return
    with Workers(_start_worker, (setup,), all_cores=True) as workers:
        for _, line in workers.map(ids, int, _lines, _BATCH, local=_Maker(setup, db).lines):
            yield line


class _Maker:
    """A worker's (or this process's) means: its connection, pseudonyms, decisions, scans."""

    def __init__(self, setup: Setup, db: sqlite_utils.Database | None = None) -> None:
        db = db if db is not None else open_reader(setup.database)
        self.store = ExportStore(db)
        self.scans = ScanIndex(setup.root, PageStore(db))
        self.pseudonym = Pseudonyms(setup.pseudonym_key)
        self.masking = Masking(setup.choices) if setup.choices is not None else None
        self.rules = findings.rules_digest()

    def lines(self, ids: list[int]) -> list[Line | None]:
        found = self.store.found_by_id(ids, self.rules)
        return [self._line(*found[i]) if i in found else None for i in ids]

    def _line(self, contribution: Contribution, kept: findings.Kept | None) -> Line:
        examined = None
        text = note = masked = None
        if self.masking is not None and not contribution.deleted:
            words = findings_of.words(contribution)
            if kept is None or kept[0] != findings.key(words):
                kept = examined = findings.examine(words)
            text, note, masked = self.masking.apply(contribution, kept)
        scan = self.scans.of(contribution.page_id)
        record = export_record(contribution, self.pseudonym, scan[:2] if scan else None, text, note)
        line = canonical_json(record).encode()
        return Line(
            contribution.uuid, contribution.version, contribution.deleted, contribution.page_id, line,
            csv_line(csv_row(record)).encode(), hashlib.sha256(line).hexdigest(), masked, examined,
        )  # fmt: skip


_maker: _Maker | None = None


def _start_worker(setup: Setup) -> None:
    global _maker
    _maker = _Maker(setup)


def _lines(ids: list[int]) -> list[Line | None]:
    assert _maker is not None
    return _maker.lines(ids)
