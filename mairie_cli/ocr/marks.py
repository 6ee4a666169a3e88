"""What on a handwritten page is not the writer's text: stamps, archive numbers, stray strokes.

The handwriting engine reads every ink it finds. On a register page that is also a stamp in
small print, a number written in the margin by a clerk or an archivist, the loops of a flourish.
Kept, each becomes words the secretary has to delete from the draft. A line is such a mark when:

- its letters are less than half as tall as the page's writing (``SMALL``): a stamp or a
  printed label, not the hand of the page;
- the engine is very unsure of it (``UNSURE``): strokes it could not make words of;
- it has no letter at all, only digits and signs (« 28 », « (3336 », « 20.74 23 1 »), unless it
  is the first or last line of the page and reads as the page number the page's structure takes
  (``segment.page_number``);
- it has letters but fewer than ``FEW`` letters and digits in all (« une », « cen. »), and does
  not start where the page's lines start: the last word of a paragraph (« vie. ») is text.

Chosen on half of the real testaments and letters (the other half kept unseen) and checked on
the tabular registers; measured in ``bench/eval_handwriting.py``. A mark is left out of the
page's lines and of its drafts, never out of its words: the black-out of personal data on the
scan still sees every ink the engine read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from statistics import median
from typing import Any

from mairie_cli.ocr.engines import Word
from mairie_cli.ocr.segment import page_number

#: A line whose words are less tall than this share of the page's writing is a stamp or a label.
SMALL = 0.5
#: Mean word confidence (0–100) under which a line is strokes the engine could not read.
UNSURE = 30.0
#: Letters and digits a line with letters needs to be kept.
FEW = 5
#: The block number of a mark's words, as a page keeps them: no line of text has it.
MARK_BLOCK = 0


def split(lines: list[list[Word]]) -> tuple[list[list[Word]], list[list[Word]]]:
    """The lines of a page (in reading order) that are its text, and those that are marks."""
    sizes = sorted(height for line in lines for word in line for height in [word.height] * len(word.text))
    writing = sizes[len(sizes) // 2] if sizes else 0
    # Where the page's lines start: the left edge of most of its longer lines.
    starts = sorted(line[0].left for line in lines if sum(len(word.text) for word in line) >= 3 * FEW)
    margin = starts[len(starts) // 2] if starts else None
    text: list[list[Word]] = []
    marks: list[list[Word]] = []
    for index, line in enumerate(lines):
        edge = index in (0, len(lines) - 1)
        at_margin = margin is not None and abs(line[0].left - margin) <= writing
        (marks if _is_mark(line, writing, edge, at_margin) else text).append(line)
    return text, marks


def _is_mark(line: list[Word], writing: float, edge: bool, at_margin: bool) -> bool:
    content = " ".join(word.text for word in line)
    letters = sum(ch.isalpha() for ch in content)
    characters = sum(ch.isalnum() for ch in content)
    if median(word.height for word in line) < SMALL * writing:
        return True
    if sum(word.conf for word in line) / len(line) < UNSURE:
        return True
    if not letters:
        return not (edge and page_number(content.strip()) is not None)
    return characters < FEW and not at_margin


def as_mark(word: Word, number: int) -> Word:
    """A mark's word as the page keeps it: in the block no text line has."""
    return replace(word, line=(MARK_BLOCK, 0, number))


def is_mark(kept: Sequence[Any]) -> bool:
    """Whether a word as a page keeps it (``Word.to_list``) belongs to a mark."""
    return bool(kept[6][0] == MARK_BLOCK)
