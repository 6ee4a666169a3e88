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
_LOOSE = 0.75  # similarity above which a handwritten word is taken for a personal token


def words_to_mask(
    words: Sequence[Sequence[Any]], texts: Sequence[str], detector: Detector, *, loose: bool = False
) -> list[int]:
    """Indexes of the OCR words (``[text, conf, left, top, width, height, line]``) to black out.

    With ``loose`` (a handwritten page, where the engine misreads letters), a word close to a
    personal token of the proofread text is blacked out too: masking a look-alike costs a black
    box, missing a name on the image cannot be undone.
    """
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
        folded = fold(piece).strip(_STRIP)
        if folded in tokens or (loose and _close_to_any(folded, tokens)):
            masked.add(index)
    if loose:
        masked |= _split_names(pieces, tokens)
    return sorted(masked)


def _close_to_any(word: str, tokens: set[str]) -> bool:
    from difflib import SequenceMatcher

    if len(word) < 3:
        return False
    return any(
        abs(len(word) - len(token)) <= 3 and SequenceMatcher(None, word, token).ratio() >= _LOOSE
        for token in tokens
        if len(token) >= 3
    )


def _split_names(pieces: list[str], tokens: set[str]) -> set[int]:
    """Two neighbouring words that together read like a token (« Duvig » « neau »)."""
    found: set[int] = set()
    for index in range(len(pieces) - 1):
        joined = fold(pieces[index] + pieces[index + 1]).strip(_STRIP)
        if len(joined) >= 5 and (joined in tokens or _close_to_any(joined, tokens)):
            found.update((index, index + 1))
    return found
