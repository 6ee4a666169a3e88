"""The printable report (« asso synthese --rapport »): a few pages for people who will not open
a spreadsheet, as HTML (one self-contained file, charts inside) and as PDF (fonts embedded).

Both forms are drawn from the same ``Brief``, so they always say the same thing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from mairie_cli.synthesis import charts
from mairie_cli.synthesis.charts import Chart


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative widths of the columns


@dataclass(frozen=True)
class Quote:
    text: str
    source: str  # « 01001 L'Abergement-Clémenciat, doléance »


@dataclass(frozen=True)
class Heading:
    text: str


Part = str | Table | Chart | Quote | Heading


@dataclass
class Section:
    title: str
    parts: list[Part] = field(default_factory=list)


@dataclass
class Brief:
    title: str
    subtitle: str
    sections: list[Section]


_STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 50em; margin: 2em auto;
       padding: 0 1em; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
h2 { font-size: 1.25em; border-bottom: 2px solid #3b6ea5; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.n { text-align: right; } th { background: #eef2f7; }
blockquote { margin: 0.6em 0 0.6em 1em; padding-left: 0.8em; border-left: 3px solid #3b6ea5;
             font-style: italic; }
blockquote footer { font-style: normal; color: #555; font-size: 0.85em; margin-top: 0.2em; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
@media print { h2 { break-before: page; } h2:first-of-type { break-before: auto; }
               blockquote, tr, figure { break-inside: avoid; } }
"""


def share(part: int, whole: int) -> str:
    """« 12,5 % » (French decimal comma), « — » when there is nothing to divide."""
    return f"{part / whole:.1%}".replace(".", ",") if whole else "—"


def thousands(value: int) -> str:
    """« 12 345 » with the French thousands space (a narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def write_html(brief: Brief, path: Path) -> None:
    """One HTML file holding everything (styles and charts): it opens offline, anywhere."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{_e(brief.title)}</title><style>{_STYLE}</style></head><body>",
        f'<h1>{_e(brief.title)}</h1><p class="subtitle">{_e(brief.subtitle)}</p>',
    ]
    for section in brief.sections:
        out.append(f"<h2>{_e(section.title)}</h2>")
        for part in section.parts:
            if isinstance(part, str):
                out.append(f"<p>{_e(part)}</p>")
            elif isinstance(part, Heading):
                out.append(f"<h3>{_e(part.text)}</h3>")
            elif isinstance(part, Quote):
                out.append(f"<blockquote>« {_e(part.text)} »<footer>{_e(part.source)}</footer></blockquote>")
            elif isinstance(part, Chart):
                out.append(f'<figure role="img" aria-label="{_e(part.title)}">{charts.svg(part)}</figure>')
            else:
                out.append(_html_table(part))
    out.append("</body></html>")
    path.write_text("\n".join(out), encoding="utf-8")


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td{_numeric(v)}>{_e(v)}</td>" for v in row) + "</tr>" for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numeric(value: str) -> str:
    return ' class="n"' if value.replace(" ", "").replace(",", "").replace("%", "").isdigit() else ""


def _e(text: str) -> str:
    return html.escape(text, quote=True)
