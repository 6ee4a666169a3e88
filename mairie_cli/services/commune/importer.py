"""Importing contributions already typed in Excel or LibreOffice.

The header is found among the first rows (see ``sheet_layout``), every row is checked (see
``sheet_rows``), and the whole file is applied in one transaction: either every valid row is
imported, or nothing is. Importing the same file again adds nothing:

- a sheet with its own row numbers (« N° ») is matched row by row: a row corrected in the
  spreadsheet becomes a new version of the same contribution;
- without them, each row carries a key derived from its content; a new row that differs
  slightly from an imported one (a typo fixed in the sheet) is held back as a probable
  correction, not silently added: ``corrections="appliquer"`` makes it a new version,
  ``"ajouter"`` a new contribution.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from mairie_cli.clock import now_iso
from mairie_cli.errors import DeletedContribution, InvalidValue, RowsRejected
from mairie_cli.files import sha256_file
from mairie_cli.models import Nature, NewContribution, Source
from mairie_cli.services.commune.register import Register
from mairie_cli.services.commune.sheet_layout import FIELDS, Layout, find_layout, parse_column_options
from mairie_cli.services.commune.sheet_rows import check_rows
from mairie_cli.storage.database import bulk_load, transaction
from mairie_cli.tabular import open_sheets
from mairie_cli.textnorm import words_key

#: Files from this size on are loaded with ``bulk_load``.
BULK_MIN_BYTES = 1 << 20
_BATCH = 1000
_MAX_LISTED = 50
_SIMILAR = 0.85  # a new row this close to an imported one is probably its correction
_ENDS = 6  # words at each end of a text that find the candidates
CORRECTIONS = ("signaler", "appliquer", "ajouter")

Progress = Callable[[int], None]
__all__ = ["FIELDS", "CORRECTIONS", "ImportReport", "import_file", "parse_column_options"]


@dataclass
class RejectedRow:
    """A row that could not be imported (or was skipped), with the reason in French."""

    row: int
    reason: str


@dataclass
class ProbableCorrection:
    """A new row that looks like the correction of a contribution imported before."""

    row: int
    short_id: str
    position: int
    similarity: float


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refusal, would do)."""

    file: str
    sheet: str
    header_row: int
    mapping: dict[str, str]
    ignored_columns: list[str]
    cahier_id: int
    imported: int = 0
    already_present: int = 0
    corrected: int = 0  # new versions of contributions imported before
    empty_rows: int = 0
    skipped: list[RejectedRow] = field(default_factory=list)  # rows holding no data
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_count: int = 0
    held: list[ProbableCorrection] = field(default_factory=list)  # probable corrections, not added
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "file": self.file, "sheet": self.sheet, "header_row": self.header_row,
            "mapping": self.mapping, "ignored_columns": self.ignored_columns,
            "cahier_id": self.cahier_id, "imported": self.imported,
            "already_present": self.already_present, "corrected": self.corrected,
            "empty_rows": self.empty_rows,
            "skipped": [{"row": r.row, "reason": r.reason} for r in self.skipped],
            "rejected_count": self.rejected_count,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "probable_corrections": [vars(h) for h in self.held], "dry_run": self.dry_run,
        }  # fmt: skip


def import_file(
    register: Register,
    path: Path,
    cahier_id: int | None = None,
    *,
    columns: dict[str, str] | None = None,
    partial: bool = False,
    dry_run: bool = False,
    corrections: str = "signaler",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a .xlsx or .csv file into a cahier, in one transaction.

    ``columns`` forces a field to a header (``{"text": "Observations"}``, ``{"note": …}``).
    Without ``partial``, one invalid row makes the whole import refused (``RowsRejected``,
    nothing written); with it, valid rows are imported and the others listed. ``dry_run``
    checks everything, writes nothing. ``corrections`` says what becomes of probable
    corrections: held back and listed, applied as new versions, or added.
    """
    if corrections not in CORRECTIONS:
        raise InvalidValue(f"« {corrections} » : choisissez parmi {', '.join(CORRECTIONS)}.")
    cahier = register.cahier(cahier_id)
    with open_sheets(path) as sheets:
        layout = find_layout(sheets, columns or {})
        return _Import(register, path, cahier.id, layout, corrections, progress).run(partial, dry_run)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class _Import:
    """One import: rows streamed from the sheet, written in batches, corrections settled last."""

    def __init__(
        self, register: Register, path: Path, cahier_id: int, layout: Layout, corrections: str,
        progress: Progress | None,
    ) -> None:  # fmt: skip
        self.register, self.path, self.cahier_id, self.layout = register, path, cahier_id, layout
        self.corrections, self.progress = corrections, progress
        self.report = ImportReport(
            file=path.name, sheet=layout.sheet.name, header_row=layout.header_row,
            mapping=layout.mapping(), ignored_columns=layout.ignored(), cahier_id=cahier_id,
        )  # fmt: skip
        self.known: _Known | None = None
        self.seen: set[str] = set()
        self.held: list[tuple[NewContribution, int, _Imported]] = []

    def run(self, partial: bool, dry_run: bool) -> ImportReport:
        report, register = self.report, self.register
        report.dry_run = dry_run
        large = self.path.stat().st_size >= BULK_MIN_BYTES
        try:
            with bulk_load(register.db) if large else contextlib.nullcontext(), transaction(register.db):
                self._write_rows()
                if report.rejected_count and not partial:
                    self._refuse()
                if dry_run:
                    raise _DryRun
                register.store.record_import(
                    {
                        "at": now_iso(), "file_name": self.path.name, "file_sha256": sha256_file(self.path),
                        "cahier_id": self.cahier_id, "imported": report.imported,
                        "skipped": report.already_present + report.rejected_count, "mapping": report.mapping,
                    }
                )  # fmt: skip
        except _DryRun:
            pass  # everything was checked and counted, then rolled back
        return report

    def _write_rows(self) -> None:
        register, report, stamp = self.register, self.report, now_iso()
        present = register.store.import_keys(self.cahier_id)
        position = first = register.store.next_position(self.cahier_id)
        batch: list[NewContribution] = []
        for entry, row, by_number in self._entries():
            key = entry.import_key or ""
            self.seen.add(key)
            if key in present:
                self._again(entry, by_number)
                continue
            near = None if by_number or not present else self._known().near(entry.text)
            if near is not None:
                self.held.append((entry, row, near))
                continue
            batch.append(entry)
            if len(batch) >= _BATCH:
                position += register.write(register.prepare(batch, self.cahier_id, position, stamp))
                batch = []
                if self.progress:
                    self.progress(position - first + report.already_present + report.rejected_count)
        batch += self._settle_held()
        register.write(register.prepare(batch, self.cahier_id, position, stamp))
        report.imported = position + len(batch) - first

    def _entries(self) -> Iterator[tuple[NewContribution, int, bool]]:
        report = self.report
        spec = (*self.layout.spec(), self.cahier_id, date.today())
        for item in self.layout.sheet.stream(check_rows, spec):
            kind = item[0]
            if kind == "empty":
                report.empty_rows += 1
            elif kind == "skip":
                report.skipped.append(RejectedRow(item[1], item[2]))
            elif kind == "bad":
                report.rejected_count += 1
                if len(report.rejected) < _MAX_LISTED:
                    report.rejected.append(RejectedRow(item[1], item[2]))
            else:
                number, text, nature, written_on, author, page, note, key, by_number = item[1:]
                entry = NewContribution(
                    text=text, nature=Nature(nature), written_on=written_on, author=author,
                    page_number=page, source=Source.IMPORT, import_key=key, note=note,
                )  # fmt: skip
                yield entry, number, by_number

    def _again(self, entry: NewContribution, by_number: bool) -> None:
        """A row imported before: unchanged, or (with the sheet's row numbers) corrected."""
        if by_number:
            imported = self._known().by_key[entry.import_key or ""]
            if self._correct(imported.uuid, entry):
                self.report.corrected += 1
                return
        self.report.already_present += 1

    def _settle_held(self) -> list[NewContribution]:
        """Held rows whose look-alike is gone from the sheet are its corrections; the others are new."""
        added: list[NewContribution] = []
        for entry, row, near in self.held:
            if near.key in self.seen or self.corrections == "ajouter":
                added.append(entry)
            elif self.corrections == "appliquer":
                self.report.corrected += bool(self._correct(near.uuid, entry))
            else:
                held = ProbableCorrection(row, near.uuid[:8], near.position, near.similarity)
                self.report.held.append(held)
        return added

    def _correct(self, uuid: str, entry: NewContribution) -> bool:
        try:
            return self.register.correct(
                uuid, text=entry.text, nature=entry.nature, written_on=entry.written_on,
                author=entry.author, page_number=entry.page_number, note=entry.note, joined=True,
            ) is not None  # fmt: skip
        except DeletedContribution:
            return False  # deleted in the register: a re-import does not bring it back

    def _known(self) -> _Known:
        if self.known is None:
            self.known = _Known(self.register.store.imported_rows(self.cahier_id))
        return self.known

    def _refuse(self) -> None:
        report = self.report
        error = RowsRejected(
            f"{report.rejected_count} ligne(s) de « {self.path.name} » ne peuvent pas être "
            "importées : rien n'a été importé. Corrigez-les dans le tableur, ou relancez "
            "avec --partiel pour importer les autres lignes.",
            details=[f"ligne {r.row} : {r.reason}" for r in report.rejected],
        )
        report.imported = report.corrected = 0
        error.report = report
        raise error


@dataclass
class _Imported:
    """A contribution imported before, as a look-alike of a new row."""

    uuid: str
    key: str
    position: int
    similarity: float = 0.0


class _Known:
    """The contributions imported before into the cahier: by key, and by the words at the ends
    of their texts (to find the one a slightly different new row corrects)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_key: dict[str, _Imported] = {}
        self.texts: dict[str, str] = {}
        self.by_end: dict[str, list[str]] = {}
        for row in rows:
            if row["deleted_at"] is not None:
                continue
            self.by_key[row["import_key"]] = _Imported(row["uuid"], row["import_key"], row["position"])
            folded = words_key(row["text"])
            self.texts[row["import_key"]] = folded
            for end in _ends(folded):
                self.by_end.setdefault(end, []).append(row["import_key"])

    def near(self, text: str) -> _Imported | None:
        """The imported contribution this text is probably a correction of, if any."""
        folded = words_key(text)
        best: _Imported | None = None
        for key in {k for end in _ends(folded) for k in self.by_end.get(end, [])}:
            score = SequenceMatcher(None, folded, self.texts[key], autojunk=False).ratio()
            if score >= _SIMILAR and (best is None or score > best.similarity):
                imported = self.by_key[key]
                best = _Imported(imported.uuid, key, imported.position, round(score, 3))
        return best


def _ends(folded: str) -> list[str]:
    words = folded.split()
    return [" ".join(words[:_ENDS]), " ".join(words[-_ENDS:])] if words else []
