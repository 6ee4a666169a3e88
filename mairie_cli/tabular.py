"""Reading spreadsheets row by row: the only module that talks to openpyxl for reading.

French spreadsheets are messy: CSV with ``;`` or ``,``, UTF-8 with or without BOM or
Windows-1252, a title line above the header. Rows are streamed, never loaded whole.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from mairie_cli.errors import FileUnreadable, NotASpreadsheet

Cell = object
Row = tuple[int, list[Cell]]  # (row number as the spreadsheet shows it, cells)

_DELIMITERS = (";", ",", "\t", "|")
_SNIFF_ROWS = 50
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Sheet:
    """One table to read: its name (for messages) and a way to stream its rows."""

    name: str
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    worksheet: Any = None

    def rows(self) -> Iterator[Row]:
        """Rows with their 1-based number (each call starts again from the first row)."""
        if self.kind == "csv":
            yield from _csv_rows(self.path, self.encoding or "utf-8", self.delimiter or ";")
        else:
            yield from _xlsx_rows(self)


@contextmanager
def open_sheets(path: Path) -> Iterator[list[Sheet]]:
    """The tables of a spreadsheet file: one for a CSV, one per worksheet for an xlsx.

    A workbook is opened once for the whole ``with`` block: openpyxl reads all its shared
    strings on opening, which costs as much as reading every row.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise FileUnreadable(f"Le fichier « {path} » n'existe pas.") from None
    except OSError as exc:
        raise FileUnreadable(f"Impossible de lire « {path} » ({exc.strerror}).") from None
    if not head:
        raise NotASpreadsheet(f"Le fichier « {path.name} » est vide.")
    if head.startswith(b"PK\x03\x04"):
        with _workbook(path) as workbook:
            yield [Sheet(name, path, "xlsx", worksheet=workbook[name]) for name in workbook.sheetnames]
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotASpreadsheet(
            f"« {path.name} » est au format Excel ancien (.xls). Ouvrez-le dans Excel ou "
            "LibreOffice et enregistrez-le au format .xlsx ou .csv, puis recommencez."
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise NotASpreadsheet(
            f"« {path.name} » porte l'extension {path.suffix} mais n'est pas un classeur Excel "
            "valide (fichier endommagé ou mal renommé). Ouvrez-le dans Excel ou LibreOffice et "
            "enregistrez-le de nouveau au format .xlsx."
        )
    if _looks_binary(head):
        raise NotASpreadsheet(
            f"« {path.name} » n'est pas un tableur : mairie importe les fichiers .xlsx et .csv."
        )
    encoding = detect_encoding(path)
    delimiter = _detect_delimiter(path, encoding)
    yield [Sheet(path.name, path, "csv", encoding, delimiter)]


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head or head.startswith(b"%PDF"):
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return controls > len(head) // 100


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file is valid UTF-8, else Windows-1252 (Excel's French CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _single_byte_encoding(path)
    return "utf-8-sig"


def _single_byte_encoding(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            # The five bytes cp1252 leaves undefined: latin-1 reads anything.
            return "latin-1"
    return "cp1252"


def _detect_delimiter(path: Path, encoding: str) -> str:
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        with path.open(encoding=encoding, newline="") as handle:
            try:
                widths = [len(r) for r in islice(csv.reader(handle, delimiter=delimiter), _SNIFF_ROWS)]
            except csv.Error:
                continue
        widths = [w for w in widths if w > 1]
        if not widths:
            continue
        width, agreeing = Counter(widths).most_common(1)[0]
        score = (agreeing, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    csv.field_size_limit(1 << 24)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                yield number, list(cells)
        except csv.Error as exc:
            raise NotASpreadsheet(
                f"Le fichier CSV « {path.name} » est mal formé ({exc}) : ouvrez-le dans un "
                "tableur et enregistrez-le de nouveau au format CSV."
            ) from None


def _xlsx_rows(sheet: Sheet) -> Iterator[Row]:
    try:
        for number, cells in enumerate(sheet.worksheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise NotASpreadsheet(
            f"Le classeur « {sheet.path.name} » est endommagé (feuille « {sheet.name} », {exc}). "
            "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau."
        ) from None


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    import openpyxl  # heavy: only when a workbook is actually read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        if _is_opendocument(path):
            raise NotASpreadsheet(
                f"« {path.name} » est un classeur LibreOffice (.ods). Dans LibreOffice, faites "
                "Fichier > Enregistrer sous… et choisissez le format Excel (.xlsx) ou CSV."
            ) from None
        raise NotASpreadsheet(
            f"« {path.name} » n'est pas un classeur Excel lisible ({type(exc).__name__}) : "
            "mairie importe les fichiers .xlsx et .csv."
        ) from None
    try:
        yield workbook
    finally:
        workbook.close()


def _is_opendocument(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
