"""Telling blank, typed and handwritten pages apart.

Two independent signals on the OCR result: the mean word confidence (on the real corpus,
below about 50 separated all handwritten pages from all typed ones) and the share of words
that are common French words (tesseract's guesses on handwriting are mostly not words). A
printed form filled in by hand counts as handwritten: many of its words are unreadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mairie_cli.models import PageStatus
from mairie_cli.ocr.imageops import BLANK_INK_RATIO
from mairie_cli.textnorm import fold

BLANK, TYPED, HANDWRITTEN = PageStatus.BLANK, PageStatus.DRAFTS, PageStatus.HANDWRITTEN
#: Below this share of ink, a page where nothing was read is blank (a stain, show-through), not
#: handwriting (a handwritten page holds ten times more).
FEW_INK = 0.001
MIN_MEAN_CONFIDENCE = 50.0
MIN_FRENCH_SHARE = 0.2
MAX_UNREADABLE_SHARE = 0.45  # words below 40 of confidence (a typed table reaches 0.39)
#: A page tesseract calls typed with less confidence than this (or few French words) is read by
#: the handwriting engine too, and the better reading kept (handwriting-like print, a neat hand).
UNSURE_CONFIDENCE = 80.0
UNSURE_FRENCH_SHARE = 0.25
#: How much more confident the handwriting engine must be to replace tesseract's reading.
BETTER_BY = 10.0

# The most frequent French words (articles, pronouns, prepositions, auxiliaries...): a third
# to a half of the words of any French text, and rare in OCR guesses on handwriting.
COMMON_WORDS = frozenset(
    """
    a à afin ai aie ainsi alors au aucun aucune aussi autre autres aux avec avez avoir avons
    bien c ça car ce ceci cela celle celles celui cependant ces cet cette ceux chacun chaque
    chez ci comme comment contre d dans de depuis des deux doit donc dont du elle elles en
    encore entre est et été être eu fait faire faut font grand grande ici il ils j je jusqu l
    la le les leur leurs lors lui m ma mais me même mêmes mes moi moins mon n ne ni non nos
    notre nous on ont ou où par parce pas pendant peu peut plus plusieurs pour pourquoi
    qu quand que quel quelle quelles quels qui s sa sans se selon ses si sien son sont sous
    soit sur t ta tant te tes toi ton tous tout toute toutes très trop tu un une vers voir
    vos votre vous y
    monsieur madame maire commune mairie état impôts taxes services publics faut doit
    """.split()
)
_FOLDED = frozenset(fold(w) for w in COMMON_WORDS)


@dataclass(frozen=True)
class Triage:
    """The decision for one page and the figures behind it."""

    outcome: str
    mean_confidence: float | None
    french_share: float | None
    unreadable_share: float | None


def is_blank(ink: float) -> bool:
    """The cheap test done before any OCR."""
    return ink < BLANK_INK_RATIO


def classify(words: Sequence[tuple[str, float]]) -> Triage:
    """Typed or handwritten, from the (text, confidence) of the words tesseract read.

    A page with ink but no letter read at all is handwritten (tesseract gave up on it).
    """
    if not any(ch.isalnum() for text, _ in words for ch in text):
        # Ink but no letter read at all (at most some strokes taken for « / » or « - »):
        # tesseract gave up on the page.
        return Triage(HANDWRITTEN, None, None, None)
    confidences = [conf for _, conf in words]
    mean = sum(confidences) / len(confidences)
    tokens = [fold(text).strip(".,;:!?()«»\"'") for text, _ in words]
    tokens = [t for t in tokens if t]
    french = sum(1 for t in tokens if t in _FOLDED) / len(tokens) if tokens else 0.0
    unreadable = sum(1 for c in confidences if c < 40) / len(confidences)
    handwritten = (
        mean < MIN_MEAN_CONFIDENCE
        or (len(tokens) >= 20 and french < MIN_FRENCH_SHARE / 2 and mean < 70)
        or unreadable > MAX_UNREADABLE_SHARE
    )
    return Triage(
        HANDWRITTEN if handwritten else TYPED, round(mean, 1), round(french, 3), round(unreadable, 3)
    )


def unsure(verdict: Triage) -> bool:
    """A typed verdict that the handwriting engine should check."""
    low_french = verdict.french_share is not None and verdict.french_share < UNSURE_FRENCH_SHARE
    return (verdict.mean_confidence or 0) < UNSURE_CONFIDENCE or low_french


def better_reading(handwriting: Triage, tesseract: Triage) -> bool:
    """Whether the handwriting engine's reading beats tesseract's, by both engines' own signals:
    clearly more confident, and at least as French."""
    gain = (handwriting.mean_confidence or 0) - (tesseract.mean_confidence or 0)
    return gain >= BETTER_BY and (handwriting.french_share or 0) >= (tesseract.french_share or 0)
