"""The boundary every recogniser meets: a page image in, words with boxes and confidences out.

Tesseract reads typed pages (``TesseractEngine``); a recogniser trained on handwriting reads
the pages triaged handwritten (``ocr/handwriting.py``). Another engine (kraken with a model an
association distributes, say) is one more class with these three members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Word:
    """One recognised word: text, confidence (0–100) and box, with its line's identity."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]  # (block, paragraph, line): words of one line share it
    #: Whether the word is made of French words (the handwriting engine says; None: not asked).
    french: bool | None = None

    def to_list(self) -> list[Any]:
        """As a page keeps it: ``[text, conf, left, top, width, height, line]`` (and ``french``
        after them when the engine says)."""
        kept = [self.text, round(self.conf, 1), self.left, self.top, self.width, self.height, list(self.line)]
        return kept if self.french is None else [*kept, self.french]


class Engine(Protocol):
    """A recogniser: its name and model as recorded per page, and one page read."""

    name: str
    model: str

    def read(self, image: Any, timeout: float) -> list[Word]:
        """The words of a greyscale page (PIL image), in reading order within each line."""
        ...


class TesseractEngine:
    """Tesseract, for typed pages."""

    name = "tesseract"

    def __init__(self, language: str) -> None:
        self.model = language

    def read(self, image: Any, timeout: float) -> list[Word]:
        from mairie_cli.ocr import tesseract

        return tesseract.read_words(image, self.model, timeout=timeout)
