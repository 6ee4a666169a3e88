"""Reading spreadsheets row by row: the only module that talks to openpyxl for reading.

French spreadsheets are messy: CSV with ``;`` or ``,``, UTF-8 with or without BOM or
Windows-1252, a title line above the header. Rows are streamed, never loaded whole.

A large workbook is read by a child process that streams its rows through a pipe, so that
openpyxl's XML parsing runs on one core while the caller checks and stores rows on another.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from mairie_cli.csvtext import csv_rows, detect_delimiter, detect_encoding, looks_binary
from mairie_cli.errors import FileUnreadable, NotASpreadsheet
from mairie_cli.files import cause

T = TypeVar("T")
Cell = object
Row = tuple[int, list[Cell]]  # (row number as the spreadsheet shows it, cells)

#: Workbooks from this size on are parsed in a child process (below it, starting a process
#: costs more than it saves).
CHILD_READER_MIN_BYTES = 1 << 20
PREVIEW_ROWS = 10
_BATCH_ROWS = 1000
_PREFETCH_BATCHES = 8


@dataclass(frozen=True)
class Sheet:
    """One table to read: its name (for messages) and a way to stream its rows."""

    name: str
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    source: Any = None  # the open workbook reader, for an xlsx

    def rows(self) -> Iterator[Row]:
        """Rows with their 1-based number (each call starts again from the first row)."""
        if self.kind == "csv":
            yield from csv_rows(self.path, self.encoding or "utf-8", self.delimiter or ";")
        else:
            yield from _numbered(self.source.rows(self.name))

    def stream(self, transform: Callable[[Iterator[Row], Any], Iterator[T]], arg: Any) -> Iterator[T]:
        """The rows passed through ``transform(rows, arg)``.

        For a large workbook the transform runs in the child process that parses it, so
        checking rows uses that core too; ``transform`` must then be a top-level function and
        ``arg`` and its results picklable.
        """
        if self.kind == "xlsx" and isinstance(self.source, _ChildWorkbook):
            yield from self.source.stream(self.name, transform, arg)
        else:
            yield from transform(self.rows(), arg)

    def head(self, count: int = PREVIEW_ROWS) -> list[Row]:
        """The first ``count`` rows, to find the header."""
        if self.kind == "xlsx":
            return list(islice(_numbered(self.source.head(self.name, count)), count))
        return list(islice(self.rows(), count))


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
        raise FileUnreadable(f"Impossible de lire « {path} » : {cause(exc)}.") from None
    if not head:
        raise NotASpreadsheet(f"Le fichier « {path.name} » est vide.")
    if head.startswith(b"PK\x03\x04"):
        big = path.stat().st_size >= CHILD_READER_MIN_BYTES
        reader: _LocalWorkbook | _ChildWorkbook = _ChildWorkbook(path) if big else _LocalWorkbook(path)
        with reader:
            yield [Sheet(name, path, "xlsx", source=reader) for name in reader.names()]
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
    if looks_binary(head):
        raise NotASpreadsheet(
            f"« {path.name} » n'est pas un tableur : mairie importe les fichiers .xlsx et .csv."
        )
    encoding = detect_encoding(path)
    delimiter = detect_delimiter(path, encoding)
    yield [Sheet(path.name, path, "csv", encoding, delimiter)]


def _numbered(rows: Iterator[tuple[Any, ...]]) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=1):
        yield number, list(cells)


def _identity(rows: Iterator[Row], _arg: Any) -> Iterator[Row]:
    return rows


def _damaged(path: Path, sheet: str, detail: str) -> NotASpreadsheet:
    return NotASpreadsheet(
        f"Le classeur « {path.name} » est endommagé (feuille « {sheet} », {detail}). "
        "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau."
    )


#: What a damaged or hostile workbook raises while its rows are read (an XML syntax error is a
#: SyntaxError; defusedxml's refusals are ValueErrors).
_ROW_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError, SyntaxError)


def describe(exc: BaseException) -> str:
    """What went wrong in a workbook, in French (the libraries' own messages are English)."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 10:  # openpyxl wraps the parser's error in its own
        chain.append(link)
        link = link.__cause__ or link.__context__
    names = {type(e).__name__ for e in chain}
    if names & {"EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"}:
        return "il déclare des entités XML, ce que fait un fichier piégé, jamais Excel"
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return "l'archive du classeur est tronquée ou abîmée"
    if isinstance(exc, SyntaxError):
        return "son contenu XML est mal formé"
    if isinstance(exc, KeyError):
        return "une partie du classeur manque"
    return "ses données sont illisibles"


class _LocalWorkbook:
    """A workbook read in this process (small files)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._context = _workbook(path)

    def __enter__(self) -> _LocalWorkbook:
        self.workbook = self._context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._context.__exit__(*exc)

    def names(self) -> list[str]:
        return list(self.workbook.sheetnames)

    def head(self, name: str, count: int) -> Iterator[tuple[Any, ...]]:
        return islice(self.rows(name), count)

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        try:
            yield from self.workbook[name].iter_rows(values_only=True)
        except _ROW_ERRORS as exc:
            raise _damaged(self.path, name, describe(exc)) from None


class _ChildWorkbook:
    """A workbook parsed by a child process that streams rows through a pipe.

    The child sends the sheet names with their first rows, then waits for the name of the
    sheet to stream. The pipe's own buffer bounds memory: the child blocks until rows are
    taken. Works with « spawn », so the same on Windows, macOS and Linux.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.previews: dict[str, list[tuple[Any, ...]]] = {}

    def __enter__(self) -> _ChildWorkbook:
        context = multiprocessing.get_context("spawn")
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(
            target=read_workbook_in_child, args=(str(self.path), child_end), daemon=True
        )
        self.process.start()
        child_end.close()
        message = self._receive("")
        if message[0] == "open-error":
            self._stop()
            raise _open_error(self.path, message[1])
        self.previews = dict(message[1])
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            self.connection.close()
        finally:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(timeout=5)

    def _receive(self, sheet: str) -> Any:
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise _damaged(self.path, sheet, "la lecture s'est interrompue") from None

    def names(self) -> list[str]:
        return list(self.previews)

    def head(self, name: str, count: int) -> Iterator[tuple[Any, ...]]:
        return iter(self.previews[name][:count])

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        for _number, cells in self.stream(name, _identity, None):
            yield tuple(cells)

    def stream(
        self, name: str, transform: Callable[[Iterator[Row], Any], Iterator[T]], arg: Any
    ) -> Iterator[T]:
        self.connection.send((name, transform, arg))
        # A thread empties the pipe into a bounded queue: the child keeps parsing while this
        # process is busy writing a batch, instead of blocking on a full pipe.
        inbox: queue.Queue[Any] = queue.Queue(maxsize=_PREFETCH_BATCHES)
        stop = threading.Event()
        receiver = threading.Thread(target=self._receive_all, args=(name, inbox, stop), daemon=True)
        receiver.start()
        try:
            while True:
                message = inbox.get()
                if message is None:
                    return
                if isinstance(message, NotASpreadsheet):
                    raise message
                if isinstance(message, tuple):
                    raise _damaged(self.path, name, message[1])
                yield from message
        finally:
            stop.set()
            while receiver.is_alive():  # unblock a receiver waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    inbox.get(timeout=0.05)

    def _receive_all(self, name: str, inbox: queue.Queue[Any], stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                message = self._receive(name)
            except NotASpreadsheet as exc:
                message = exc
            inbox.put(message)
            if not isinstance(message, list):
                return


def read_workbook_in_child(path: str, connection: Any) -> None:
    """Child process: send sheet previews, then stream the rows of each sheet asked for."""
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # reported to the parent, which words it for the user
        connection.send(("open-error", describe(exc)))
        connection.close()
        return
    try:
        previews = {
            name: list(islice(workbook[name].iter_rows(values_only=True), PREVIEW_ROWS))
            for name in workbook.sheetnames
        }
        connection.send(("sheets", list(previews.items())))
        while True:
            try:
                name, transform, arg = connection.recv()
            except EOFError:
                return
            try:
                batch: list[Any] = []
                for item in transform(_numbered(workbook[name].iter_rows(values_only=True)), arg):
                    batch.append(item)
                    if len(batch) >= _BATCH_ROWS:
                        connection.send(batch)
                        batch = []
                connection.send(batch)
                connection.send(None)
            except _ROW_ERRORS as exc:
                connection.send(("rows-error", describe(exc)))
    except (BrokenPipeError, OSError):
        return  # the parent stopped reading (an error on its side, or Ctrl-C)
    finally:
        workbook.close()
        connection.close()


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    import openpyxl  # heavy: only when a workbook is actually read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise _open_error(path, describe(exc)) from None
    try:
        yield workbook
    finally:
        workbook.close()


def _open_error(path: Path, kind: str) -> NotASpreadsheet:
    if _is_opendocument(path):
        return NotASpreadsheet(
            f"« {path.name} » est un classeur LibreOffice (.ods). Dans LibreOffice, faites "
            "Fichier > Enregistrer sous… et choisissez le format Excel (.xlsx) ou CSV."
        )
    return NotASpreadsheet(
        f"« {path.name} » n'est pas un classeur Excel lisible ({kind}) : mairie importe les "
        "fichiers .xlsx et .csv."
    )


def _is_opendocument(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
