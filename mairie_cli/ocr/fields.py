"""What a typed entry says besides its text: its date line, its signature, its nature, and its
text as it was meant (paragraphs, not the page's line breaks; hyphenated wraps joined).

Pure functions on the lines of one draft. The date and signature lines leave the entry's text,
but stay in the page's OCR text (the draft's region covers them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mairie_cli.dates import MIN_DATE, MONTHS, WEEKDAY
from mairie_cli.models import Nature
from mairie_cli.textnorm import fold

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4}|\d{2})(?!\d)")
_WRITTEN_DATE = re.compile(r"(?<!\d)(\d{1,2})(?:er)?\s+([a-z]{3,9})\.?\s+(\d{4})(?!\d)")
#: What may surround a date on a line that is only a date: « Le », « Fait à Bourg, le », a weekday.
_AROUND_DATE = re.compile(
    rf"^(?:(?:fait|ecrit|redige)\s+(?:a\s+[^,]{{1,40}},?\s*)?)?(?:le\s+)?(?:{WEEKDAY}\s+)?$"
)
_DECORATION = re.compile(r"^[\W_]{3,}$")
_SIGNED = re.compile(r"^(?:sign[ée]e?|signature|sign)\s*[:.]?\s*(?:par\s+)?(?P<name>.*)$", re.IGNORECASE)
_TITLE = r"(?:m\.|mr\.?|mme|mlle|monsieur|madame|mademoiselle|dr|docteur|famille|les|le couple|veuve)"
_NAME_WORD = r"[A-ZÀ-Ý][\w'’\-]*\.?"
_SIGNATURE_LINE = re.compile(
    rf"^(?:(?i:{_TITLE})\s+)?{_NAME_WORD}(?:[\s\-]+(?:(?i:de|du|des|d['’])\s*)?{_NAME_WORD}){{0,3}}"
    r"(?:\s*,\s*[^,.;:!?]{1,40})?\s*\.?$"
)
#: Words that open a sentence, not a name (« Merci », « Cordialement »: closings, kept in the text).
_NOT_NAMES = frozenset(
    """
    merci cordialement salutations respectueusement bonjour bien tres vive un une
    des nous vous il elle ils elles on je tu ce cette ces mais donc car et ou pour par avec sans
    pas plus tout tous toute toutes non oui fin
    """.split()
)
#: Second halves that make a compound with the first (« vingt-cinq », « peut-être »): the
#: hyphen of a wrap before them is kept.
_COMPOUND_SECONDS = frozenset(
    """
    un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize
    vingt trente quarante cinquante soixante cent cents mille et etre la ci dire midi mere pere
    fils fille filles ville villes elle il ils elles on nous vous moi toi lui eux meme memes
    t-il t-elle t-on ouest est nord sud unis mer age
    """.split()
)
_COMPOUND_FIRSTS = frozenset(
    """
    apres avant arriere sous sur contre demi semi anti non ex grand grande grands petit petite
    beau belle haut basse nord sud saint sainte porte garde mi vice bien peut c-est-a
    """.split()
)
_PROPOSAL_CUES = [
    ("je propose", re.compile(r"\b(?:je|nous|on)\s+propos\w*")),
    ("proposition", re.compile(r"\bproposition")),
    ("il faut", re.compile(r"\bil\s+(?:faut|faudrait)\b")),
    ("on pourrait", re.compile(r"\b(?:on|nous)\s+(?:pourrait|pourrions|devrait|devrions)\b")),
    ("pourquoi ne pas", re.compile(r"\bpourquoi\s+ne\s+pas\b")),
    ("je suggère", re.compile(r"\b(?:je|nous)\s+sugger\w*|\bsuggestion")),
    ("il serait bon de", re.compile(r"\bil\s+serait\s+(?:bon|souhaitable|utile|temps)\b")),
]
#: Capitalised words ending like an infinitive that are not verbs.
_NOT_INFINITIVES = frozenset(
    """
    monsieur premier premiere dernier derniere pierre riviere frere mere pere hier super
    entre contre autre notre votre leur leurs cher chere chers cheres madame lettre ordre
    """.split()
)


@dataclass(frozen=True)
class Fields:
    """An entry's parts: its text and what its date line and signature say."""

    text: str
    written_on: date | None = None
    author: str | None = None
    nature: Nature = Nature.DOLEANCE
    cue: str | None = None  # why the nature was guessed (« il faut »)
    removed: tuple[int, ...] = ()  # the draft's lines taken out of the text (date, signature)


def find_date(line: str, today: date | None = None) -> tuple[date | None, bool]:
    """The date a line holds, and whether the line is only that date (with « Le », « Fait à …,
    le », a weekday around it). Implausible dates (future, before 2000) are not dates."""
    folded = fold(line).strip(" .,;:")
    found: date | None = None
    numeric = _NUMERIC_DATE.search(folded)
    if numeric:
        year = int(numeric[3]) + (2000 if len(numeric[3]) == 2 else 0)
        found, span = _plausible(year, int(numeric[2]), int(numeric[1]), today), numeric.span()
    if found is None:
        for match in _WRITTEN_DATE.finditer(folded):  # the first with a real month name
            month = MONTHS.get(match[2])
            if month is not None:
                found, span = _plausible(int(match[3]), month, int(match[1]), today), match.span()
                break
    if found is None:
        return None, False
    before, after = folded[: span[0]].strip(), folded[span[1] :].strip(" .,;:")
    return found, not after and bool(_AROUND_DATE.match(before + (" " if before else "")))


def _plausible(year: int, month: int, day: int, today: date | None) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if MIN_DATE <= value <= (today or date.today()) else None


def signature(line: str) -> str | None:
    """The name a signature line gives (« Signé : Jean Martin », « Famille Roux », « Mme Durand,
    La Combe », a name alone), or None."""
    text = line.strip()
    match = _SIGNED.match(text)
    if match:
        name = match["name"].strip(" .,;:")
        return name if name and len(name) <= 60 else None
    words = text.split()
    if not 1 <= len(words) <= 7 or len(text) > 60 or any(ch.isdigit() for ch in text):
        return None
    if fold(words[0]).strip(".,") in _NOT_NAMES or not _SIGNATURE_LINE.match(text):
        return None
    if len(words) == 1 and not text.isupper():
        return None  # one capitalised word is a sentence's start more often than a signature
    return text.rstrip(" .")


def nature_of(text: str) -> tuple[Nature, str | None]:
    """Proposition when the text proposes (« je propose », « il faut », an infinitive opening
    such as « Rétablir … »), with the cue found; a grievance otherwise."""
    folded = fold(text)
    for cue, pattern in _PROPOSAL_CUES:
        if pattern.search(folded):
            return Nature.PROPOSITION, cue
    first = re.match(r"\s*([A-ZÀ-Ý][a-zà-ÿ]+)\b", text)
    if first:
        word = fold(first[1])
        if len(word) >= 5 and word.endswith(("er", "ir", "re")) and word not in _NOT_INFINITIVES:
            return Nature.PROPOSITION, first[1]
    return Nature.DOLEANCE, None


def structure(lines: list[str], today: date | None = None) -> Fields:
    """Split a draft's lines into its date line, its text and its signature."""
    removed: set[int] = set()
    written_on = None
    for index in [*range(min(2, len(lines))), *range(max(0, len(lines) - 2), len(lines))]:
        if index in removed or written_on is not None:
            continue
        found, alone = find_date(lines[index], today)
        if found is not None and alone:
            written_on = found
            removed.add(index)
    for index, line in enumerate(lines):
        if line.strip() and _DECORATION.match(line.strip()):
            removed.add(index)  # a rule drawn between entries, not text
    author = None
    for index in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        if index in removed or not lines[index].strip():
            continue
        author = signature(lines[index])
        if author is not None:
            removed.add(index)
        break
    kept = [line for i, line in enumerate(lines) if i not in removed]
    if not any(line.strip() for line in kept):  # nothing but a date or a name: keep it all
        kept, removed = list(lines), set()
    text = reflow(kept)
    nature, cue = nature_of(text)
    return Fields(text, written_on, author, nature, cue, tuple(sorted(removed)))


def reflow(lines: list[str]) -> str:
    """Lines as the page wrapped them, back into paragraphs: a wrap becomes a space, a word cut by
    a hyphen at the end of a line is joined (« gendar- / merie »), a compound keeps its hyphen
    (« vingt- / cinq »); a blank line or a short line ending a sentence ends a paragraph."""
    paragraphs: list[str] = []
    current = ""
    width = max((len(line.rstrip()) for line in lines), default=0)
    for line in lines:
        text = line.strip()
        if not text:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        current = _join(current, text) if current else text
        if text.endswith((".", "!", "?", ":", "»")) and len(line.rstrip()) < 0.75 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _join(before: str, after: str) -> str:
    if before.endswith("-") and len(before) > 1 and before[-2].isalpha() and after[:1].isalpha():
        first = re.search(r"([\w'’]+)-$", before)
        second = re.match(r"[\w'’\-]+", after)
        head = fold(first[1]) if first else ""
        tail = fold(second[0]) if second else ""
        keep = (
            tail in _COMPOUND_SECONDS
            or head in _COMPOUND_FIRSTS
            or after[:1].isupper()  # « Saint- / Étienne », « Jean- / Luc »
        )
        return before + after if keep else before[:-1] + after
    return f"{before} {after}"
