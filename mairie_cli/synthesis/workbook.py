"""The synthesis workbook, written with openpyxl in write-only mode (flat memory).

Sheets: « Synthèse » (totals, per theme, per nature, per commune, with native bar charts),
« Contributions » (every contribution with its themes and the words that justified them),
one sheet per theme, « À classer », and « Méthode ». Every cell holding citizen text is
written as text: a contribution starting with « = » stays a sentence, never a formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

CONTRIBUTION_HEADER = [
    "Commune", "Cahier", "Date", "Nature", "Thème principal", "Thèmes secondaires", "Mots qui ont décidé",
    "Groupe", "Texte", "Identifiant",
]  # fmt: skip
THEME_HEADER = ["Commune", "Texte"]
#: Texts where the association's own check still finds personal data (kept out of the CSV).
CHECK_HEADER = ["Commune", "Identifiant", "Données personnelles repérées", "Texte"]
CHECK_SHEET = "À vérifier"
_CHECK_WIDTHS = {"A": 30, "B": 38, "C": 50, "D": 100}
_WIDTHS = {"A": 30, "B": 22, "C": 11, "D": 12, "E": 26, "F": 26, "G": 34, "H": 9, "I": 90, "J": 38}
_THEME_WIDTHS = {"A": 30, "B": 120}
#: The named style of citizen text (wrapped, top-aligned), as Excel lists it.
TEXT_STYLE = "Texte de contribution"
#: What a spreadsheet would read as a formula if written as a plain value.
_FORMULA_START = ("=", "+", "-", "@")
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: What openpyxl's ILLEGAL_CHARACTERS_RE refuses (control characters but tab and newlines).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")


def _legal(text: str) -> str:
    """Text a workbook can hold: control characters (which the XML of a workbook cannot carry,
    and openpyxl refuses) are removed; what a person reads is unchanged."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def sheet_title(label: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: 31 characters at most, no []:*?/\\, unique."""
    base = _FORBIDDEN.sub(" ", label).strip()[:31] or "Thème"
    title, number = base, 2
    while title.casefold() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.casefold())
    return title


class SynthesisWorkbook:
    """A workbook being written: rows go to their sheets as contributions stream by."""

    def __init__(self, theme_labels: Sequence[tuple[str, str]]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, NamedStyle

        self._wb = Workbook(write_only=True)
        self._bold = Font(bold=True)
        # A named style costs one lookup per cell; setting an alignment on each cell would
        # register it again every time.
        self._wb.add_named_style(NamedStyle(TEXT_STYLE, alignment=Alignment(wrap_text=True, vertical="top")))
        taken: set[str] = set()
        self._rows: dict[int, int] = {}  # rows written per sheet, for the filters
        self._text_cells: dict[int, Any] = {}  # sheet -> its styled text cell, reused row after row
        self.summary = self._wb.create_sheet(sheet_title("Synthèse", taken))
        self.contributions = self._sheet(sheet_title("Contributions", taken), CONTRIBUTION_HEADER, _WIDTHS)
        self.to_check = self._sheet(sheet_title(CHECK_SHEET, taken), CHECK_HEADER, _CHECK_WIDTHS)
        self.themes = {
            theme_id: self._sheet(sheet_title(label, taken), THEME_HEADER, _THEME_WIDTHS)
            for theme_id, label in theme_labels
        }
        self.method = self._wb.create_sheet(sheet_title("Méthode", taken))

    def _sheet(self, title: str, header: list[str], widths: dict[str, int]) -> Any:
        sheet = self._wb.create_sheet(title)
        sheet.freeze_panes = "A2"
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
        sheet.append([self._cell(sheet, h, bold=True) for h in header])
        self._rows[id(sheet)] = 1
        self._text_cells[id(sheet)] = self._cell(sheet, "", wrap=True)
        return sheet

    def _cell(self, sheet: Any, value: Any, *, bold: bool = False, wrap: bool = False) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=_legal(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, whatever it starts with (« =SOMME… »)
        if bold:
            cell.font = self._bold
        if wrap:
            cell.style = TEXT_STYLE
        return cell

    def add_contribution(self, row: Sequence[Any], theme: str, theme_row: Sequence[Any]) -> None:
        """One contribution: in « Contributions » and in the sheet of its main theme. The text
        (the column before last, or last) is wrapped; empty values leave the cell empty."""
        self._append(self.contributions, row, wrap=len(row) - 2)
        self._append(self.themes[theme], theme_row, wrap=len(theme_row) - 1)

    def add_to_check(self, row: Sequence[Any]) -> None:
        """A text the association must check before it goes into the open-data file."""
        self._append(self.to_check, row, wrap=len(row) - 1)

    def _append(self, sheet: Any, values: Sequence[Any], wrap: int) -> None:
        # Plain values cost least; a cell object only where it must be one: the wrapped text
        # (one styled cell per sheet, given each text in turn: a write-only sheet writes a row
        # as soon as it is appended), and any text a spreadsheet would take for a formula.
        values = [_legal(v) if isinstance(v, str) else v for v in values]
        text = self._text_cells[id(sheet)]
        text.value = values[wrap]
        text.data_type = "s"
        cells = [
            text
            if i == wrap
            else self._cell(sheet, v)
            if isinstance(v, str) and v.startswith(_FORMULA_START)
            else None
            if v == ""
            else v
            for i, v in enumerate(values)
        ]
        sheet.append(cells)
        self._rows[id(sheet)] += 1

    def write_summary(
        self, blocks: list[tuple[str, list[str], list[list[Any]], bool]], intro: list[str]
    ) -> None:
        """Titled tables one under the other; those flagged get a bar chart beside them."""
        from openpyxl.chart import BarChart, Reference

        sheet = self.summary
        sheet.column_dimensions["A"].width = 46
        for column in "BCDEF":
            sheet.column_dimensions[column].width = 16
        row = 0
        for line in intro:
            sheet.append([self._cell(sheet, line, bold=row == 0)])
            row += 1
        for title, header, rows, chart in blocks:
            sheet.append([])
            sheet.append([self._cell(sheet, title, bold=True)])
            sheet.append([self._cell(sheet, h, bold=True) for h in header])
            row += 3
            first = row + 1
            for values in rows:
                sheet.append([self._cell(sheet, v) if isinstance(v, str) else v for v in values])
                row += 1
            if chart and rows:
                bars = BarChart()
                bars.type = "bar"
                bars.title = title
                bars.legend = None
                bars.height = max(6.0, 0.6 * len(rows))
                bars.width = 16
                bars.add_data(
                    Reference(sheet, min_col=2, min_row=first - 1, max_row=row), titles_from_data=True
                )
                bars.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=row))
                sheet.add_chart(bars, f"H{first - 1}")

    def write_method(self, lines: list[tuple[str, Any]]) -> None:
        sheet = self.method
        sheet.column_dimensions["A"].width = 58
        sheet.column_dimensions["B"].width = 90
        for label, value in lines:
            if value is None:
                sheet.append([self._cell(sheet, label, bold=True)])
            else:
                sheet.append(
                    [self._cell(sheet, label), self._cell(sheet, value) if isinstance(value, str) else value]
                )

    def discard(self) -> None:
        """Give up the workbook (the synthesis failed): its sheets are closed and their
        temporary files removed, so nothing is left half-written behind."""
        for sheet in self._wb.worksheets:
            if not sheet.closed:
                sheet.close()
            writer = getattr(sheet, "_writer", None)  # openpyxl keeps each sheet in a temporary file
            if writer is not None and Path(writer.out).exists():
                writer.cleanup()

    def save(self, path: Path) -> None:
        """Saved with light compression (zlib level 1): on 25,000 contributions the largest
        sheet comes out a fifth larger than at the default level, in a third of the time."""
        from zipfile import ZIP_DEFLATED, ZipFile

        from openpyxl.utils import get_column_letter
        from openpyxl.writer.excel import ExcelWriter

        for sheet, header in [(self.contributions, CONTRIBUTION_HEADER)] + [
            (s, THEME_HEADER) for s in self.themes.values()
        ]:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{self._rows[id(sheet)]}"
        self._wb.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None)
        with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
            ExcelWriter(self._wb, archive).save()
