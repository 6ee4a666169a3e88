"""Which words of a scanned page to black out: those that carry personal data.

The page's OCR words are joined into its text and searched like any text; the spans found
in the proofread contributions of the page are searched for too, word by word, since
proofreading may have corrected the very words that matter (« Dupond » read « Dupoud »
is masked in the text as typed, and its OCR word must still be blacked out on the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mairie_cli.privacy.detect import Detector, fold

_STRIP = ".,;:!?()[]«»\"'’"


def words_to_mask(words: Sequence[Sequence[Any]], texts: Sequence[str], detector: Detector) -> list[int]:
    """Indexes of the OCR words (``[text, conf, left, top, width, height, line]``) to black out."""
    pieces: list[str] = []
    starts: list[int] = []
    position = 0
    for word in words:
        starts.append(position)
        pieces.append(str(word[0]))
        position += len(str(word[0])) + 1
    page_text = " ".join(pieces)
    masked: set[int] = set()
    for span in detector.find(page_text):
        for index, start in enumerate(starts):
            end = start + len(pieces[index])
            if start < span.end and end > span.start:
                masked.add(index)
    tokens = {
        fold(token).strip(_STRIP)
        for text in texts
        for span in detector.find(text)
        for token in span.text.split()
    }
    tokens = {t for t in tokens if len(t) >= 2}
    for index, piece in enumerate(pieces):
        if fold(piece).strip(_STRIP) in tokens:
            masked.add(index)
    return sorted(masked)
