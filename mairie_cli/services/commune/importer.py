"""Importing contributions already typed in Excel or LibreOffice.

The header row is found among the first rows, columns are recognised by their French names
(with or without accents), every row is checked, and the whole file is applied in one
transaction: either every valid row is imported, or nothing is. Each imported row carries a
key derived from its content, so importing the same file again adds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from mairie_cli.clock import now_iso
from mairie_cli.dates import from_spreadsheet
from mairie_cli.errors import InvalidValue, MairieError, NoTextColumn, RowsRejected
from mairie_cli.files import sha256_file
from mairie_cli.models import Nature, NewContribution, Source
from mairie_cli.services.commune.register import Register
from mairie_cli.services.commune.rows import MAX_PAGE_NUMBER
from mairie_cli.storage.database import bulk_load, transaction
from mairie_cli.tabular import Sheet, open_sheets
from mairie_cli.textnorm import clean_text, words_key

#: Fields a column can feed, with their French names for messages.
FIELDS = {
    "text": "texte",
    "date": "date",
    "nature": "nature",
    "author": "auteur",
    "page": "page",
}

_EXACT: dict[str, str] = {
    **dict.fromkeys(
        [
            "texte", "contribution", "contributions", "doleance", "doleances", "contenu",
            "message", "observation", "observations", "remarque", "remarques", "commentaire",
            "commentaires", "expression", "description", "avis", "texte de la contribution",
            "votre contribution", "votre message", "doleances et propositions",
            "texte integral", "contribution citoyenne", "texte de la doleance",
        ],
        "text",
    ),
    **dict.fromkeys(
        ["date", "le", "jour", "date ecrite", "date de la contribution", "date de depot"],
        "date",
    ),
    **dict.fromkeys(
        ["nature", "type", "categorie", "genre", "type de contribution"], "nature"
    ),
    **dict.fromkeys(
        [
            "auteur", "auteurs", "nom", "nom prenom", "prenom nom", "nom et prenom",
            "prenom et nom", "signataire", "signature", "redacteur", "identite", "citoyen",
            "nom du signataire", "auteur e",
        ],
        "author",
    ),
    **dict.fromkeys(
        ["page", "n page", "no page", "num page", "numero de page", "page du cahier", "folio"],
        "page",
    ),
}  # fmt: skip

# When no exact name matches, the first field one of whose words appears in the header wins,
# in this order: « Nature de la contribution » is a nature, « Date de la doléance » a date.
_KEYWORDS: list[tuple[str, set[str]]] = [
    ("nature", {"nature", "type", "categorie"}),
    ("date", {"date"}),
    ("page", {"page", "folio"}),
    ("author", {"auteur", "nom", "prenom", "signataire", "signature", "redacteur"}),
    ("text", {"texte", "contribution", "doleance", "doleances", "contenu", "message",
              "observation", "observations", "commentaire", "remarque"}),
]  # fmt: skip

_HEADER_SEARCH_ROWS = 10
#: Files from this size on are loaded with ``bulk_load``.
BULK_MIN_BYTES = 1 << 20
_MAX_HEADER_WORDS = 6
_BATCH = 1000
_MAX_LISTED = 50
_PAGE = re.compile(r"^(?:p(?:age)?\.?\s*)?(\d{1,9})(?:\.0+)?$", re.IGNORECASE)

Progress = Callable[[int], None]


@dataclass
class RejectedRow:
    """A row that could not be imported, with the reason in French."""

    row: int
    reason: str


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
    empty_rows: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_count: int = 0
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "file": self.file, "sheet": self.sheet, "header_row": self.header_row,
            "mapping": self.mapping, "ignored_columns": self.ignored_columns,
            "cahier_id": self.cahier_id, "imported": self.imported,
            "already_present": self.already_present, "empty_rows": self.empty_rows,
            "rejected_count": self.rejected_count,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "dry_run": self.dry_run,
        }  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    sheet: Sheet
    header_row: int
    columns: dict[str, int]
    headers: list[str]

    def mapping(self) -> dict[str, str]:
        return {name: self.headers[index] for name, index in self.columns.items()}

    def ignored(self) -> list[str]:
        used = set(self.columns.values())
        return [h for i, h in enumerate(self.headers) if h and i not in used]


def import_file(
    register: Register,
    path: Path,
    cahier_id: int | None = None,
    *,
    columns: dict[str, str] | None = None,
    partial: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a .xlsx or .csv file into a cahier, in one transaction.

    ``columns`` forces a field to a header (``{"text": "Observations"}``). Without ``partial``,
    one invalid row makes the whole import refused (``RowsRejected``, nothing written); with it,
    valid rows are imported and the others listed. ``dry_run`` checks everything, writes nothing.
    """
    cahier = register.cahier(cahier_id)
    with open_sheets(path) as sheets:
        return _import(register, path, cahier.id, _find_layout(sheets, columns or {}),
                       partial=partial, dry_run=dry_run, progress=progress)  # fmt: skip


def _import(
    register: Register,
    path: Path,
    cahier_id: int,
    layout: _Layout,
    *,
    partial: bool,
    dry_run: bool,
    progress: Progress | None,
) -> ImportReport:
    report = ImportReport(
        file=path.name, sheet=layout.sheet.name, header_row=layout.header_row,
        mapping=layout.mapping(), ignored_columns=layout.ignored(), cahier_id=cahier_id,
        dry_run=dry_run,
    )  # fmt: skip
    stamp = now_iso()
    large = path.stat().st_size >= BULK_MIN_BYTES
    try:
        with bulk_load(register.db) if large else contextlib.nullcontext(), transaction(register.db):
            present = register.store.import_keys(cahier_id)
            position = first_position = register.store.next_position(cahier_id)
            batch: list[NewContribution] = []
            for entry in _entries(layout, cahier_id, report):
                if entry.import_key in present:
                    report.already_present += 1
                    continue
                batch.append(entry)
                if len(batch) >= _BATCH:
                    position += register.write(register.prepare(batch, cahier_id, position, stamp))
                    batch = []
                    if progress:
                        read = position - first_position + report.already_present
                        progress(read + report.rejected_count + report.empty_rows)
            register.write(register.prepare(batch, cahier_id, position, stamp))
            report.imported = position + len(batch) - first_position
            if report.rejected_count and not partial:
                error = RowsRejected(
                    f"{report.rejected_count} ligne(s) de « {path.name} » ne peuvent pas être "
                    "importées : rien n'a été importé. Corrigez-les dans le tableur, ou relancez "
                    "avec --partiel pour importer les autres lignes.",
                    details=[f"ligne {r.row} : {r.reason}" for r in report.rejected],
                )
                report.imported = 0
                error.report = report
                raise error
            if dry_run:
                raise _DryRun
            register.store.record_import(
                {
                    "at": stamp, "file_name": path.name, "file_sha256": sha256_file(path),
                    "cahier_id": cahier_id, "imported": report.imported,
                    "skipped": report.already_present + report.rejected_count,
                    "mapping": report.mapping,
                }
            )  # fmt: skip
    except _DryRun:
        pass  # everything was checked and counted, then rolled back
    return report


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class _RowError(Exception):
    """Why one row cannot be imported (a French phrase)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _entries(layout: _Layout, cahier_id: int, report: ImportReport) -> Iterator[NewContribution]:
    spec = (layout.header_row, layout.columns, cahier_id, date.today())
    for item in layout.sheet.stream(check_rows, spec):
        if item is None:
            report.empty_rows += 1
        elif len(item) == 2:
            report.rejected_count += 1
            if len(report.rejected) < _MAX_LISTED:
                report.rejected.append(RejectedRow(*item))
        else:
            text, nature, written_on, author, page, key = item
            yield NewContribution(
                text=text, nature=Nature(nature), written_on=written_on, author=author,
                page_number=page, source=Source.IMPORT, import_key=key,
            )  # fmt: skip


def check_rows(
    rows: Iterator[tuple[int, list[Any]]], spec: tuple[int, dict[str, int], int, date]
) -> Iterator[tuple[Any, ...] | None]:
    """Check every row after the header.

    Gives, per row, the fields of an entry ``(text, nature, date, author, page, import key)``,
    ``(row number, reason)`` for a refused row, or ``None`` for an empty one. Runs where the
    rows are read (in the child process for a large workbook), so that the checks share that
    core with the XML parsing while this one writes to the database; plain tuples because
    they cross the pipe ten times faster than dataclasses.
    """
    header_row, columns, cahier_id, today = spec
    # Occurrences of each content already met in this file, so that two identical rows (a
    # petition signed twice) get distinct keys, stable from one import of the file to the next.
    # Keyed by a 16-byte digest: memory stays small however long the file.
    seen: Counter[bytes] = Counter()
    used = list(columns.values())
    for number, cells in rows:
        if number <= header_row:
            continue
        # A row whose recognised columns are all blank (a pre-numbered line) is empty.
        if all(_blank(cells[i]) for i in used if i < len(cells)):
            yield None
            continue
        try:
            yield _entry(columns, cells, today, cahier_id, seen)
        except (MairieError, _RowError) as exc:
            yield (number, exc.message)


def _entry(
    columns: dict[str, int], cells: list[Any], today: date, cahier_id: int, seen: Counter[bytes]
) -> tuple[Any, ...]:
    def cell(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    text = clean_text(_as_text(cell("text")))
    if not text:
        raise _RowError("le texte est vide")
    nature_cell = _as_text(cell("nature")).strip()
    nature = _nature(nature_cell) if nature_cell else Nature.DOLEANCE
    written_on = from_spreadsheet(cell("date"), today=today)
    author = clean_text(_as_text(cell("author"))) or None
    page = _page(cell("page"))
    content = f"{cahier_id}\x1f{written_on}\x1f{nature.value}\x1f{text}\x1f{author}\x1f{page}"
    digest = hashlib.blake2b(content.encode(), digest_size=16).digest()
    seen[digest] += 1
    return (text, nature.value, written_on, author, page, f"{digest.hex()}-{seen[digest]}")


@lru_cache(maxsize=256)
def _nature(value: str) -> Nature:
    return Nature.parse(value)


def _page(value: Any) -> int | None:
    text = _as_text(value).strip()
    if not text:
        return None
    match = _PAGE.match(text)
    if not match:
        raise _RowError(f"le numéro de page « {text} » n'est pas un nombre entier")
    number = int(match[1])
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise _RowError(f"le numéro de page {number} doit être compris entre 1 et {MAX_PAGE_NUMBER}")
    return number


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_layout(sheets: list[Sheet], forced: dict[str, str]) -> _Layout:
    """The header row: among the first rows, the one where most columns are recognised."""
    seen_headers: list[str] = []
    for sheet in sheets:
        best: _Layout | None = None
        for number, cells in sheet.head(_HEADER_SEARCH_ROWS):
            headers = [_as_text(c).strip() for c in cells]
            if not any(headers):
                continue
            if not seen_headers:
                seen_headers = [h for h in headers if h]
            found = _match_columns(headers, forced)
            if "text" in found and (best is None or len(found) > len(best.columns)):
                best = _Layout(sheet, number, found, headers)
        if best is not None:
            return best
    shown = ", ".join(f"« {h[:40]} »" for h in seen_headers[:12]) or "aucune"
    raise NoTextColumn(
        "Aucune colonne de texte n'a été reconnue (colonnes trouvées : " + shown + "). "
        "Nommez la colonne du texte « Texte » ou « Contribution », ou indiquez-la avec "
        '--colonne texte="Nom de la colonne".'
    )


def _match_columns(headers: list[str], forced: dict[str, str]) -> dict[str, int]:
    keys = [words_key(h) for h in headers]
    found: dict[str, int] = {}
    for name, wanted in forced.items():
        target = words_key(wanted)
        if target in keys:
            found[name] = keys.index(target)
    taken = set(found.values())
    for index, key in enumerate(keys):
        if index in taken or not key:
            continue
        field_name = _EXACT.get(key) or _keyword_field(key)
        if field_name and field_name not in found:
            found[field_name] = index
            taken.add(index)
    return found


def _keyword_field(key: str) -> str | None:
    words = key.split()
    if len(words) > _MAX_HEADER_WORDS:
        return None  # a sentence is data or a title, not a column name
    for name, keywords in _KEYWORDS:
        if keywords.intersection(words):
            return name
    return None


def parse_column_options(options: list[str]) -> dict[str, str]:
    """Read ``--colonne texte=Observations`` options into ``{"text": "Observations"}``."""
    by_french = {fr: name for name, fr in FIELDS.items()}
    forced: dict[str, str] = {}
    for option in options:
        field_name, sep, header = option.partition("=")
        name = by_french.get(words_key(field_name))
        if not sep or name is None or not header.strip():
            raise InvalidValue(
                f"« {option} » n'est pas compris : écrivez par exemple "
                f'--colonne texte="Observations" (champs : {", ".join(FIELDS.values())}).'
            )
        forced[name] = header.strip()
    return forced
