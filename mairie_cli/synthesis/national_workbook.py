"""The national workbook: a few sheets of aggregates, written with openpyxl in write-only mode,
print-ready (landscape, fit to the page width, header row repeated on each page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_cli.textnorm import without_controls


@dataclass(frozen=True)
class Sheet:
    """A sheet: its rows (the first one a header unless ``header_rows`` says otherwise), column
    widths, and the column whose long texts wrap."""

    title: str
    rows: list[list[Any]]
    widths: list[int]
    header_rows: tuple[int, ...] = (0,)
    wrap: int | None = None


def write_national_workbook(path: Path, sheets: list[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.oddFooter.center.text = f"{spec.title} — page &P / &N"
        if spec.header_rows == (0,):
            sheet.freeze_panes = "A2"
            sheet.print_title_rows = "1:1"
        for number, values in enumerate(spec.rows):
            row = []
            for column, value in enumerate(values):
                cell = WriteOnlyCell(
                    sheet, value=without_controls(value) if isinstance(value, str) else value
                )
                if number in spec.header_rows:
                    cell.font, cell.alignment = bold, wrapped
                elif number == 0 and len(values) == 1:  # a title line
                    cell.font = bold
                if column == spec.wrap:
                    cell.alignment = wrapped
                row.append(cell)
            sheet.append(row)
    book.save(path)
