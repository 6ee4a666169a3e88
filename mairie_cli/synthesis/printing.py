"""How the synthesis workbook prints: page set-up, headers and footers, and row heights.

A spreadsheet does not grow a row to fit wrapped text it did not lay out itself (openpyxl
writes no heights; LibreOffice and Excel keep the default on opening), so wrapped texts print
over each other. Heights are estimated here from the text's length and the column's width.
"""

from __future__ import annotations

from typing import Any

#: Points per line of Calibri 11 (Carlito in LibreOffice), as both draw a wrapped cell.
LINE_HEIGHT = 15.0
#: The tallest row Excel accepts (points).
MAX_HEIGHT = 409.0
#: Characters of French text per unit of column width (Calibri 11: a width unit is one « 0 »,
#: and letters and spaces are narrower on average); measured on LibreOffice's PDF.
_CHARS_PER_UNIT = 1.15
#: What word wrapping loses at the end of each line, in characters (half a long word).
_WRAP_LOSS = 5


def lines(text: str, width: float) -> int:
    """Lines a text takes in a wrapped cell ``width`` units wide (an estimate that errs long)."""
    per_line = max(4, int(width * _CHARS_PER_UNIT) - _WRAP_LOSS)
    return sum(-(-len(paragraph) // per_line) or 1 for paragraph in text.split("\n"))


def height(line_count: int) -> float:
    return min(MAX_HEIGHT, line_count * LINE_HEIGHT + 2)


def append(sheet: Any, row: int, cells: list[Any], line_count: int = 1) -> None:
    """Append ``cells`` to a write-only sheet as row number ``row``, ``line_count`` lines tall.
    openpyxl's streaming writer reads a row's attributes from ``row_dimensions`` as it writes
    the row; the entry is dropped right after (memory stays flat)."""
    if line_count <= 1:
        sheet.append(cells)
        return
    sheet.row_dimensions[row] = {"ht": f"{height(line_count):g}", "customHeight": "1"}
    sheet.append(cells)
    sheet.row_dimensions.pop(row, None)


def page_setup(
    sheet: Any, title: str, *, landscape: bool = True, title_rows: str | None = None,
    print_area: str | None = None,
) -> None:  # fmt: skip
    """A4, fitted to the page's width (as many pages down as needed), the header row repeated
    on each page, the title and date at the top, « page n / N » at the bottom."""
    sheet.page_setup.paperSize = 9  # A4 (Worksheet.PAPERSIZE_A4)
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if print_area:
        sheet.print_area = print_area
    sheet.oddHeader.left.text = _escaped(title)
    sheet.oddHeader.left.size = 9
    sheet.oddHeader.right.text = "&A"  # the sheet's name
    sheet.oddHeader.right.size = 9
    sheet.oddFooter.center.text = "Page &P / &N"
    sheet.oddFooter.center.size = 9


def _escaped(text: str) -> str:
    """« & » starts a code in a header: doubled, it prints as itself."""
    return text.replace("&", "&&")
