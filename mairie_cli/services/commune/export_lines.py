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
from typing import NamedTuple

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


class Lines(NamedTuple):
    """A batch of contributions as they leave: what the parts and the state summary need."""

    uuids: list[str]
    versions: list[int]
    deleted: list[bool]
    page_ids: list[int | None]
    json: list[bytes]  # each canonical JSON line, without its newline
    csv: list[bytes]
    digests: list[str]  # SHA-256 of each JSON line
    masked: dict[str, int]  # spans masked per kind, over the batch
    examined: list[tuple[str, int, str, str]]  # (uuid, version, key, spans) examined just now


def stream(setup: Setup, ids: list[int], db: sqlite_utils.Database) -> Iterator[Lines]:
    """The lines of the contributions with these row ids, batch by batch, in this order (an id
    no longer in the register is skipped); from ``PARALLEL_FROM`` on, made by worker processes
    (and by this one when it would otherwise wait), else here with ``db``."""
    chunks = [ids[start : start + _BATCH] for start in range(0, len(ids), _BATCH)]
    maker = _Maker(setup, db)
    if len(ids) < PARALLEL_FROM:
        yield from (maker.lines(chunk) for chunk in chunks)
        return
    with Workers(_start_worker, (setup,), all_cores=True) as workers:
        for _, lines in workers.map(chunks, list, _lines, 1, local=lambda batch: [maker.lines(batch[0])]):
            yield lines


class _Maker:
    """A worker's (or this process's) means: its connection, pseudonyms, decisions, scans."""

    def __init__(self, setup: Setup, db: sqlite_utils.Database | None = None) -> None:
        db = db if db is not None else open_reader(setup.database)
        self.store = ExportStore(db)
        self.scans = ScanIndex(setup.root, PageStore(db))
        self.pseudonym = Pseudonyms(setup.pseudonym_key)
        self.masking = Masking(setup.choices) if setup.choices is not None else None
        self.rules = findings.rules_digest()

    def lines(self, ids: list[int]) -> Lines:
        found = self.store.found_by_id(ids, self.rules)
        made = Lines([], [], [], [], [], [], [], {}, [])
        for contribution, kept in (found[i] for i in ids if i in found):
            examined = text = note = masked = None
            if self.masking is not None and not contribution.deleted:
                examined = findings.refreshed(findings_of.words(contribution), kept)
                text, note, masked = self.masking.apply(contribution, examined or kept)
            scan = self.scans.of(contribution.page_id)
            record = export_record(contribution, self.pseudonym, scan[:2] if scan else None, text, note)
            line = canonical_json(record).encode()
            made.uuids.append(contribution.uuid)
            made.versions.append(contribution.version)
            made.deleted.append(contribution.deleted)
            made.page_ids.append(contribution.page_id)
            made.json.append(line)
            made.csv.append(csv_line(csv_row(record)).encode())
            made.digests.append(hashlib.sha256(line).hexdigest())
            if masked:
                for kind, count in masked.items():
                    made.masked[kind] = made.masked.get(kind, 0) + count
            if examined:
                made.examined.append((contribution.uuid, contribution.version, *examined))
        return made


_maker: _Maker | None = None


def _start_worker(setup: Setup) -> None:
    global _maker
    _maker = _Maker(setup)


def _lines(batch: list[list[int]]) -> list[Lines]:
    assert _maker is not None
    return [_maker.lines(ids) for ids in batch]
