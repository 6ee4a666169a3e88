"""The rows of the workbook's list sheets, written as SpreadsheetML directly.

openpyxl builds an object per cell, checks and binds its value, then serialises it: on the
list sheets (every contribution, once in « Contributions », once in its theme's sheet) that is
most of a synthesis's time. Their rows are written here as the XML openpyxl would write for
them (inline strings, the workbook's own cell styles, row heights) into a file aside; when the
workbook is saved, openpyxl writes each sheet as usual — columns, frozen header, page set-up,
filter — with no rows, and the rows are spliced in where its ``<sheetData>`` is.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_OPEN, _CLOSE = '<is><t xml:space="preserve">', "</t></is>"
_EMPTY_DATA = (b"<sheetData></sheetData>", b"<sheetData/>", b"<sheetData />")


def _column_letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, count + 1)]


def escaped(text: str) -> str:
    """Text as XML character data (control characters are already out: ``workbook._legal``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a carriage return would be read back as a newline
        text = text.replace("\r", "&#13;")
    return text


class SheetRows:
    """The ``<row>`` elements of one sheet, appended to a file as they come."""

    def __init__(self, path: Path, columns: int) -> None:
        self.path = path
        self._out = path.open("w", encoding="utf-8", newline="")
        self._letters = _column_letters(columns)
        self.count = 0

    def add(self, values: Sequence[Any], styles: Sequence[int], height: float | None = None) -> None:
        """The next row: ``values`` (text, numbers, None for an empty cell), each cell's style
        (an index of the workbook's cell formats, 0 the default), its height in points."""
        self.count += 1
        number = self.count
        parts = [f'<row r="{number}" ht="{height:g}" customHeight="1">' if height else f'<row r="{number}">']
        for letter, value, style in zip(self._letters, values, styles, strict=False):
            if value is None or value == "":
                continue
            styled = f' s="{style}"' if style else ""
            if isinstance(value, bool):
                parts.append(f'<c r="{letter}{number}"{styled} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                parts.append(f'<c r="{letter}{number}"{styled} t="n"><v>{value!r}</v></c>')
            else:  # text, and anything else as its text
                text = escaped(value if isinstance(value, str) else str(value))
                parts.append(f'<c r="{letter}{number}"{styled} t="inlineStr">{_OPEN}{text}{_CLOSE}</c>')
        parts.append("</row>")
        self._out.write("".join(parts))

    def close(self) -> None:
        self._out.close()


def splice(sheet_xml: bytes, rows: Path, target: Any) -> None:
    """Write ``sheet_xml`` (a sheet as openpyxl wrote it, without rows) to ``target`` with
    the rows of ``rows`` in its ``<sheetData>``."""
    for empty in _EMPTY_DATA:
        head, found, tail = sheet_xml.partition(empty)
        if found:
            break
    else:
        raise ValueError("la feuille écrite par openpyxl n'a pas de <sheetData> vide")
    target.write(head + b"<sheetData>")
    with rows.open("rb") as source:
        shutil.copyfileobj(source, target, 1 << 20)
    target.write(b"</sheetData>" + tail)


def excel_writer(workbook: Any, archive: Any, rows: dict[str, Path]) -> Any:
    """openpyxl's writer of the whole workbook, but for the sheets named in ``rows``, whose
    rows come from those files."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.writer.excel import ExcelWriter

    class _Writer(ExcelWriter):  # type: ignore[misc]
        def write_worksheet(self, ws: Any) -> None:
            path = rows.get(ws.title)
            if path is None:
                super().write_worksheet(ws)
                return
            # As ExcelWriter.write_worksheet does for a write-only sheet, the rows spliced in.
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            if not ws.closed:
                ws.close()
            writer = ws._writer
            ws._rels = writer._rels
            with self._archive.open(ws.path[1:], "w", force_zip64=True) as target:
                splice(Path(writer.out).read_bytes(), path, target)
            self.manifest.append(ws)
            writer.cleanup()

    return _Writer(workbook, archive)
