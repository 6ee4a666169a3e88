"""The printable report as PDF, laid out with fpdf2 (pure Python, offline).

The font is DejaVu Sans, which matplotlib carries inside its package: French accents, « », œ
and € print everywhere, and the font is embedded (subset) in the file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from mairie_cli.synthesis import charts
from mairie_cli.synthesis.brief import Brief, Heading, Quote, Table
from mairie_cli.synthesis.charts import Chart

_FONT = "DejaVu"
_BLUE = (59, 110, 165)


def write_pdf(brief: Brief, path: Path) -> None:
    pdf = _document(brief)
    pdf.add_page()
    pdf.set_font(_FONT, "B", 18)
    pdf.multi_cell(0, 9, brief.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 10)
    pdf.set_text_color(85, 85, 85)
    pdf.multi_cell(0, 5, brief.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    for number, section in enumerate(brief.sections):
        if number > 1:  # coverage and the official themes share the first page
            pdf.add_page()
        _section_title(pdf, section.title)
        for part in section.parts:
            if isinstance(part, str):
                pdf.set_font(_FONT, "", 10)
                pdf.multi_cell(0, 5, part, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
            elif isinstance(part, Heading):
                _keep_room(pdf, 30)
                pdf.ln(2)
                pdf.set_font(_FONT, "B", 11)
                pdf.multi_cell(0, 6, part.text, new_x="LMARGIN", new_y="NEXT")
            elif isinstance(part, Quote):
                _quote(pdf, part)
            elif isinstance(part, Chart):
                _chart(pdf, part, charts.png(part))
            else:
                _table(pdf, part)
    pdf.output(str(path))


def _document(brief: Brief) -> Any:
    from fpdf import FPDF
    from matplotlib import get_data_path

    fonts = Path(get_data_path()) / "fonts" / "ttf"

    class _Report(FPDF):
        def header(self) -> None:
            if self.page_no() > 1:
                self.set_font(_FONT, "", 8)
                self.set_text_color(110, 110, 110)
                self.cell(0, 5, brief.title, align="L")
                self.ln(8)
                self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(_FONT, "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"Page {self.page_no()} / {{nb}}", align="C")

    pdf = _Report(format="A4")
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(_FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font(_FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(brief.title)
    pdf.set_lang("fr")
    pdf.set_creator("mairie")
    return pdf


def _section_title(pdf: Any, title: str) -> None:
    _keep_room(pdf, 40)
    pdf.ln(4)
    pdf.set_font(_FONT, "B", 14)
    pdf.set_text_color(*_BLUE)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*_BLUE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _quote(pdf: Any, quote: Quote) -> None:
    _keep_room(pdf, 20)
    indent = pdf.l_margin + 6
    pdf.set_x(indent)
    pdf.set_font(_FONT, "I", 9.5)
    top = pdf.get_y()
    pdf.multi_cell(pdf.w - pdf.r_margin - indent, 4.8, f"« {quote.text} »", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(indent)
    pdf.set_font(_FONT, "", 8)
    pdf.set_text_color(85, 85, 85)
    pdf.multi_cell(pdf.w - pdf.r_margin - indent, 4.5, quote.source, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(*_BLUE)
    if pdf.get_y() > top:  # the rule beside the quote, on its page
        pdf.line(indent - 3, top, indent - 3, pdf.get_y())
    pdf.ln(2.5)


def _chart(pdf: Any, chart: Chart, image: bytes) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    height = width * (charts.HEIGHT_PER_BAR * len(chart.labels) + 0.9) / charts.WIDTH
    _keep_room(pdf, height + 4)
    pdf.image(io.BytesIO(image), x=pdf.l_margin, w=width)
    pdf.ln(3)


def _table(pdf: Any, table: Table) -> None:
    from fpdf.fonts import FontFace

    _keep_room(pdf, 25)
    pdf.set_font(_FONT, "", 8.5)
    heading = FontFace(emphasis="BOLD", fill_color=(238, 242, 247))
    with pdf.table(
        col_widths=tuple(table.widths),
        headings_style=heading,
        line_height=4.6,
        first_row_as_headings=True,
        text_align="LEFT",
    ) as rows:
        header = rows.row()
        for value in table.header:
            header.cell(value)
        for values in table.rows:
            row = rows.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def _keep_room(pdf: Any, needed: float) -> None:
    """Start a new page rather than leave a title or a chart cut at the bottom of one."""
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
