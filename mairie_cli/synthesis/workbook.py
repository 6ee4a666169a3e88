"""The synthesis workbook, written with openpyxl in write-only mode (flat memory).

Sheets: « Synthèse » (coverage, per theme, per official theme, per nature, with native bar
charts), « Contributions » (every contribution with its themes and the words that justified
them), « À vérifier », one sheet per theme, « À classer », « Communes », « Paquets reçus » and
« Méthode ». Every cell holding citizen text is written as text: a contribution starting with
« = » stays a sentence, never a formula. Every sheet prints on A4, fitted to the page's width,
with its header row repeated, wrapped texts in rows tall enough (``printing``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mairie_cli.synthesis import printing
from mairie_cli.synthesis.sheet_xml import SheetRows, excel_writer

CONTRIBUTION_HEADER = [
    "Commune", "Cahier", "Date", "Nature", "Thème principal", "Thèmes secondaires", "Mots qui ont décidé",
    "Groupe", "Texte", "Identifiant",
]  # fmt: skip
THEME_HEADER = ["Commune", "Texte"]
#: Texts where the association's own check still finds personal data (kept out of the CSV).
CHECK_HEADER = ["Commune", "Identifiant", "Données personnelles repérées", "Texte"]
CHECK_SHEET = "À vérifier"
COMMUNE_HEADER = [
    "Commune",
    "Habitants",
    "Contributions",
    "À classer",
    "Envois reçus",
    "Dernier reçu le",
    "État",
]
BUNDLE_HEADER = ["Commune", "Envoi n°", "Parties", "Reçu le", "Empreinte"]


@dataclass(frozen=True)
class Layout:
    """A list sheet: its header, column widths (in characters), wrapped columns, and the
    columns printed (the identifier, needed on screen for the commands, is not printed)."""

    header: list[str]
    widths: list[float]
    wrapped: frozenset[int]
    printed: int | None = None  # columns printed, from the first; all by default


CONTRIBUTIONS = Layout(
    CONTRIBUTION_HEADER, [20, 16, 11, 12, 20, 20, 26, 8, 64, 37], frozenset({0, 1, 4, 5, 6, 8}), 9
)
THEMES = Layout(THEME_HEADER, [24, 100], frozenset({0, 1}))
CHECK = Layout(CHECK_HEADER, [24, 37, 40, 80], frozenset({0, 2, 3}))
COMMUNES = Layout(COMMUNE_HEADER, [36, 12, 14, 11, 13, 15, 26], frozenset({0, 6}))
BUNDLES = Layout(BUNDLE_HEADER, [30, 10, 9, 12, 75], frozenset({0, 4}))
#: Columns of the « Synthèse » sheet: label, then figures; an intro line spans them all.
_SUMMARY_WIDTHS = [40, 14, 14, 14, 44, 10]
_METHOD_WIDTHS = [40, 100]
#: The named style of citizen text (wrapped, top-aligned), as Excel lists it.
TEXT_STYLE = "Texte de contribution"
#: What a spreadsheet would read as a formula if written as a plain value.
_FORMULA_START = ("=", "+", "-", "@")
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: What openpyxl's ILLEGAL_CHARACTERS_RE refuses (control characters but tab and newlines).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")
#: Height of a default row in centimetres (15 points), to leave room for a chart below a table.
_ROW_CM = 0.53


def _top_aligned_by_default(workbook: Any) -> None:
    """Cells written as plain values (most of them: they cost least) take the workbook's first
    cell format; making it top-aligned keeps a date or a nature level with the first line of
    the wrapped text beside it rather than its last. openpyxl has no public way to do so."""
    from openpyxl.styles import Alignment
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils.indexed_list import IndexedList

    default = StyleArray()
    default.alignmentId = workbook._alignments.add(Alignment(vertical="top"))  # noqa: SLF001
    workbook._cell_styles = IndexedList([default])  # noqa: SLF001


def _height(lines: int) -> float | None:
    """A row's height for this many lines of wrapped text (None: the default, one line)."""
    return printing.height(lines) if lines > 1 else None


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


@dataclass
class _Table:
    """A list sheet being written: the openpyxl sheet (columns, page set-up, filter) and its
    rows, written aside as XML (``sheet_xml``)."""

    sheet: Any
    layout: Layout
    rows: SheetRows


class SynthesisWorkbook:
    """A workbook being written: rows go to their sheets as contributions stream by.

    ``title`` heads every printed page (with the sheet's name and the page number).
    """

    def __init__(self, theme_labels: Sequence[tuple[str, str]], title: str) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, NamedStyle

        self._wb = Workbook(write_only=True)
        _top_aligned_by_default(self._wb)
        self._bold = Font(bold=True)
        self._title = title
        # A named style costs one lookup per cell; setting an alignment on each cell would
        # register it again every time.
        self._wb.add_named_style(NamedStyle(TEXT_STYLE, alignment=Alignment(wrap_text=True, vertical="top")))
        self._heading = NamedStyle(
            "En-tête", font=Font(bold=True), alignment=Alignment(wrap_text=True, vertical="top")
        )
        self._wb.add_named_style(self._heading)
        self._folder = tempfile.TemporaryDirectory(prefix="mairie-synthese-")
        taken: set[str] = set()
        self._taken = taken  # sheet names given, for the sheets made later
        self._labels = dict(theme_labels)
        self.summary = self._wb.create_sheet(sheet_title("Synthèse", taken))
        self._styles = (self._style_id(TEXT_STYLE), self._style_id(self._heading.name))
        printing.page_setup(self.summary, title, landscape=False)
        self.contributions = self._table(sheet_title("Contributions", taken), CONTRIBUTIONS)
        # « À vérifier » and the theme sheets are made when their first row comes (an empty
        # sheet still prints a page); ``save`` puts every sheet in its place.
        self.to_check: _Table | None = None
        self.themes: dict[str, _Table] = {}
        self.communes = self._table(sheet_title("Communes", taken), COMMUNES)
        self.bundles = self._table(sheet_title("Paquets reçus", taken), BUNDLES)
        self.method = self._wb.create_sheet(sheet_title("Méthode", taken))
        printing.page_setup(self.method, title)

    def _style_id(self, name: str) -> int:
        """The index of a named style's cell format, for the rows written as XML."""
        from openpyxl.cell import WriteOnlyCell

        probe = WriteOnlyCell(self.summary)
        probe.style = name
        return int(self._wb._cell_styles.add(probe._style))  # noqa: SLF001 -- what openpyxl does per cell

    def _table(self, title: str, layout: Layout) -> _Table:
        from openpyxl.utils import get_column_letter

        sheet = self._wb.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, width in enumerate(layout.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        last = get_column_letter(layout.printed or len(layout.header))
        printing.page_setup(sheet, self._title, title_rows="1:1", print_area=f"A1:{last}1048576")
        rows = SheetRows(Path(self._folder.name) / f"{len(self._wb.worksheets)}.xml", len(layout.header))
        header_lines = max(printing.lines(h, w) for h, w in zip(layout.header, layout.widths, strict=True))
        heading = self._styles[1]
        rows.add(layout.header, [heading] * len(layout.header), _height(header_lines))
        return _Table(sheet, layout, rows)

    def _cell(
        self, sheet: Any, value: Any, *, bold: bool = False, wrap: bool = False, heading: bool = False
    ) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=_legal(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, whatever it starts with (« =SOMME… »)
        if heading:
            cell.style = self._heading.name
        elif bold:
            cell.font = self._bold
        if wrap:
            cell.style = TEXT_STYLE
        return cell

    def add_contribution(self, row: Sequence[Any], theme: str, theme_row: Sequence[Any]) -> None:
        """One contribution: in « Contributions » and in the sheet of its main theme."""
        self._append(self.contributions, row)
        table = self.themes.get(theme)
        if table is None:
            table = self.themes[theme] = self._table(sheet_title(self._labels[theme], self._taken), THEMES)
        self._append(table, theme_row)

    def add_to_check(self, row: Sequence[Any]) -> None:
        """A text the association must check before it goes into the open-data file."""
        if self.to_check is None:
            self.to_check = self._table(sheet_title(CHECK_SHEET, self._taken), CHECK)
        self._append(self.to_check, row)

    def add_commune(self, row: Sequence[Any]) -> None:
        self._append(self.communes, row)

    def add_bundle(self, row: Sequence[Any]) -> None:
        self._append(self.bundles, row)

    def _append(self, table: _Table, values: Sequence[Any]) -> None:
        # Every cell is top-aligned by default; a text longer than its column is wide, in a
        # wrapped column, takes the wrapped style, and the row the height of its longest one.
        # Texts are written as text (inline strings): « =SOMME… » stays a sentence.
        styles: list[int] = []
        cleaned: list[Any] = []
        lines = 1
        widths, wrapped, text_style = table.layout.widths, table.layout.wrapped, self._styles[0]
        for index, value in enumerate(values):
            style = 0
            if isinstance(value, str) and value:
                value = _legal(value)
                if index in wrapped and (len(value) > widths[index] or "\n" in value):
                    style = text_style
                    lines = max(lines, printing.lines(value, widths[index]))
            cleaned.append(value)
            styles.append(style)
        table.rows.add(cleaned, styles, _height(lines))

    def write_summary(
        self, blocks: list[tuple[str, list[str], list[list[Any]], bool, bool]], intro: list[str]
    ) -> None:
        """Titled tables one under the other, each flagged one followed by its bar chart (every
        category labelled), those flagged so on a new printed page; an introduction line, or a
        long last cell, spans to the last column."""
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.pagebreak import Break

        sheet = self.summary
        for index, width in enumerate(_SUMMARY_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        row = 0
        for number, line in enumerate(intro):
            row += 1
            self._spanning(sheet, row, [], line, bold=number == 0)
        for title, header, rows, chart, new_page in blocks:
            if new_page:  # a chart cut by the page's edge prints on two pages
                sheet.row_breaks.append(Break(id=row + 1))
            sheet.append([])
            sheet.append([self._cell(sheet, title, bold=True)])
            header_lines = max(printing.lines(h, w) for h, w in zip(header, _SUMMARY_WIDTHS, strict=False))
            printing.append(
                sheet, row + 3, [self._cell(sheet, h, heading=True) for h in header], header_lines
            )
            row += 3
            first = row + 1
            for values in rows:
                row += 1
                last = values[-1]
                if len(values) < len(_SUMMARY_WIDTHS) and isinstance(last, str) and len(last) > 20:
                    self._spanning(sheet, row, values[:-1], last)
                else:
                    sheet.append([self._summary_cell(sheet, v) for v in values])
            if chart and rows:
                row = self._chart(sheet, title, first, row)

    def _summary_cell(self, sheet: Any, value: Any) -> Any:
        if isinstance(value, float):  # a share, shown « 12,5 % » in a French spreadsheet
            cell = self._cell(sheet, value)
            cell.number_format = "0.0%"
            return cell
        return self._cell(sheet, value) if isinstance(value, str) else value

    def _spanning(self, sheet: Any, row: int, before: list[Any], text: str, *, bold: bool = False) -> None:
        """A row whose last cell is merged to the sheet's last column and wrapped."""
        from openpyxl.utils import get_column_letter

        column = len(before) + 1
        width = sum(_SUMMARY_WIDTHS[column - 1 :])
        # A bold line takes the heading style (bold and wrapped): a named style set after a
        # font would drop it.
        cell = self._cell(sheet, text, heading=True) if bold else self._cell(sheet, text, wrap=True)
        values = [*(self._cell(sheet, v) if isinstance(v, str) else v for v in before), cell]
        printing.append(sheet, row, values, printing.lines(text, width))
        last = get_column_letter(len(_SUMMARY_WIDTHS))
        sheet.merged_cells.add(f"{get_column_letter(column)}{row}:{last}{row}")

    def _chart(self, sheet: Any, title: str, first: int, last: int) -> int:
        """A bar chart of the block's rows placed below it; returns the last row it covers."""
        from openpyxl.chart import BarChart, Reference

        bars = BarChart()
        bars.type = "bar"
        bars.title = title
        bars.legend = None
        categories = last - first + 1
        bars.height = max(5.0, 0.75 * categories + 2.5)
        bars.width = 22
        bars.add_data(Reference(sheet, min_col=2, min_row=first - 1, max_row=last), titles_from_data=True)
        bars.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
        bars.x_axis.tickLblSkip = 1  # every category named, not one in two
        bars.x_axis.delete = False
        bars.y_axis.delete = False
        bars.y_axis.majorGridlines = None
        bars.x_axis.scaling.orientation = "maxMin"  # the largest first, as in the table
        sheet.add_chart(bars, f"A{last + 2}")
        reserved = int(bars.height / _ROW_CM) + 2
        for _ in range(reserved + 1):
            sheet.append([])
        return last + reserved + 1

    def write_method(self, lines: list[tuple[str, Any]]) -> None:
        sheet = self.method
        sheet.column_dimensions["A"].width = _METHOD_WIDTHS[0]
        sheet.column_dimensions["B"].width = _METHOD_WIDTHS[1]
        for row, (label, value) in enumerate(lines, start=1):
            if value is None:
                sheet.append([self._cell(sheet, label, bold=True)])
                continue
            text = value if isinstance(value, str) else None
            count = max(
                printing.lines(label, _METHOD_WIDTHS[0]),
                printing.lines(text, _METHOD_WIDTHS[1]) if text else 1,
            )
            cells = [
                self._cell(sheet, label, wrap=True),
                self._cell(sheet, value, wrap=True) if text else value,
            ]
            printing.append(sheet, row, cells, count)

    def discard(self) -> None:
        """Give up the workbook (the synthesis failed): its sheets are closed and their
        temporary files removed, so nothing is left half-written behind."""
        for table in [self.contributions, self.communes, self.bundles, *self.themes.values()]:
            table.rows.close()
        if self.to_check is not None:
            self.to_check.rows.close()
        self._folder.cleanup()
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

        tables = [self.contributions, self.communes, self.bundles, *self.themes.values()]
        for table in tables:
            table.sheet.auto_filter.ref = (
                f"A1:{get_column_letter(len(table.layout.header))}{table.rows.count}"
            )
        if self.to_check is not None:
            tables.append(self.to_check)
        for table in tables:
            table.rows.close()
        themes = [self.themes[t].sheet for t in self._labels if t in self.themes]
        checked = [self.to_check.sheet] if self.to_check else []
        first = [self.summary, self.contributions.sheet, *checked, *themes]
        self._wb._sheets = first + [s for s in self._wb._sheets if s not in first]  # noqa: SLF001 -- no public way
        self._wb.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None)
        with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
            excel_writer(self._wb, archive, {t.sheet.title: t.rows.path for t in tables}).save()
        self._folder.cleanup()
