"""Bar charts of the printable report, drawn with matplotlib (imported only when a report is made).

One drawing, two forms: SVG for the HTML page (vector, inside the file), PNG for the PDF. Every
category is named, its count written at the end of its bar, the largest first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

#: Inches per bar, and the drawing's width: the PDF keeps room for the chart from them.
HEIGHT_PER_BAR = 0.26
WIDTH = 7.0


@dataclass(frozen=True)
class Chart:
    title: str
    labels: list[str]
    values: list[int]


def svg(chart: Chart) -> str:
    """The chart as an SVG element (glyphs drawn as paths: no font needed to show it)."""
    out = io.StringIO()
    _figure(chart).savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def png(chart: Chart) -> bytes:
    out = io.BytesIO()
    _figure(chart).savefig(out, format="png", dpi=160)
    return out.getvalue()


def _figure(chart: Chart) -> Any:
    from matplotlib.figure import Figure  # the object interface: no pyplot, no display needed
    from matplotlib.ticker import MaxNLocator

    count = len(chart.labels)
    figure = Figure(figsize=(WIDTH, HEIGHT_PER_BAR * count + 0.9), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(count))
    bars = axes.barh(positions, chart.values, color="#3b6ea5")
    axes.set_yticks(positions, labels=chart.labels, fontsize=8)
    axes.invert_yaxis()  # the first row of the table on top
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_title(chart.title, fontsize=10, loc="left")
    axes.tick_params(axis="x", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlim(0, max([*chart.values, 1]) * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no « 2.5 » tick
    return figure
