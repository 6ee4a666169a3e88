"""Splitting a typed page into draft contributions at the boundaries a register shows.

Running headers, footers and page numbers (``margins``) are left out of the drafts (they stay
in the page's text). A new entry starts at a line that is only a date (« Le 12/12/2018 »), at a salutation
(« Monsieur le Maire, »), at explicit numbering (« 3. », « N° 12 »), after a closing or a
signature (« Signé : … », « Cordialement »), after a rule (« ------ ») and after a blank
gap. Bullets (« - », « • ») never cut, and a draft shorter than ``MIN_CHARS`` is kept with
the next one. Joining the drafts of a page with line breaks gives its lines back exactly.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from mairie_cli.ocr.fields import signature
from mairie_cli.textnorm import fold

MIN_CHARS = 40

_MONTHS = "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_DATE_LINE = re.compile(
    r"^(?:(?:le|fait le|ecrit le)\s+)?(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
    rf"(?:\d{{1,2}}(?:er)?[\s/.\-]+(?:\d{{1,2}}|{_MONTHS})[\s/.\-]+\d{{2,4}})\s*[:.,]?$"
)
_SALUTATION = re.compile(
    r"^(?:madame|monsieur|mesdames|messieurs|bonjour|cher|chere|chers|a l'attention)\b.{0,60}[,:]?$"
)
_CLOSING = re.compile(
    r"^(?:signe\s*:|signature\s*:|cordialement|bien cordialement|salutations|respectueusement|"
    r"merci\b|veuillez agreer|je vous prie d'agreer|recevez\b)"
)
_RULE = re.compile(r"^[\s\-_=*~—–.·]{4,}$")
_NUMBERED = re.compile(r"^(?:n\s*[°o]\s*\d+|\d{1,3}\s*[.)]|\(\d{1,3}\))\s*\S")
_BULLET = re.compile(r"^[\-–—•*·>]\s")
#: A page number alone: « 12 », « - 12 - », « Page 12 », « p. 12 », « 12/40 ».
_PAGE_NUMBER = re.compile(r"^(?:page|p\.?)?\s*[\-–—(]?\s*(\d{1,4})\s*(?:/\s*\d{1,4})?\s*[\-–—)]?$")
#: A register's running header: its title, the commune's name, the national debate's.
_RUNNING_HEADER = re.compile(
    r"^(?:cahier\s+(?:de\s+)?(?:doleances|citoyen|d'expression)|registre\b|commune\s+d[eu']|"
    r"mairie\s+d[eu']|ville\s+d[eu']|grand\s+debat|departement\s+d)"
)
_OCR_DIGITS = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1"})
MARGIN_LINES = 2  # lines looked at, at the top and at the bottom of a page


@dataclass
class Line:
    """One line of a page, with its box on the page image (if known)."""

    text: str
    box: tuple[int, int, int, int] | None = None  # left, top, right, bottom


@dataclass
class Draft:
    """Consecutive lines [first, last] of a page making one contribution."""

    first: int
    last: int
    text: str
    box: tuple[int, int, int, int] | None = None
    lines: list[Line] = field(default_factory=list)


def page_number(text: str) -> int | None:
    """The number of a page-number line, OCR's confusions allowed (« - 24 - » read « “O4 »)."""
    match = _PAGE_NUMBER.match(text)
    if match:
        return int(match[1])
    if len(text) > 12:
        return None
    digits = re.sub(r"[^\w]", "", text).translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() and len(digits) <= 4 and any(c.isdigit() for c in text) else None


def margin_key(text: str) -> str:
    """A margin line as compared across pages (folded, numbers and punctuation left out)."""
    return re.sub(r"[\W\d_]+", " ", fold(text)).strip()


def margins(lines: list[Line], seen: set[str] | frozenset[str] = frozenset()) -> tuple[set[int], int | None]:
    """The running headers, footers and page numbers of a page (indexes of its lines), and the
    page number written on it. A margin line is a page number alone, a register's title or
    commune heading, or a line already met in the margin of another page (``seen``)."""
    found: set[int] = set()
    number = None
    candidates = [
        *range(min(MARGIN_LINES, len(lines))),
        *range(max(0, len(lines) - MARGIN_LINES), len(lines)),
    ]
    for index in dict.fromkeys(candidates):
        text = fold(lines[index].text.strip())
        if not text:
            continue
        page = page_number(text)
        if page is not None:
            found.add(index)
            number = number or page
        elif _RUNNING_HEADER.match(text) or (margin_key(text) and margin_key(text) in seen):
            found.add(index)
    return found, number


def split(lines: list[Line], skip: set[int] | frozenset[int] = frozenset()) -> list[Draft]:
    """Cut a page's lines into drafts (see the module's description), leaving out the lines
    ``skip`` names (running headers, page numbers): draft line numbers stay those of the page."""
    if skip:
        remaining = [i for i in range(len(lines)) if i not in skip]
        drafts = split([lines[i] for i in remaining])
        for draft in drafts:
            draft.first, draft.last = remaining[draft.first], remaining[draft.last]
        return drafts
    if not lines:
        return []
    gaps = _gap_lines(lines) | _indented_starts(lines)
    starts = [0]
    for index in range(1, len(lines)):
        if _starts_entry(lines, index, gaps):
            starts.append(index)
    # Never leave a draft below the minimum length: merge it into the next one.
    kept: list[int] = []
    for start in starts:
        if kept and _draft_size(lines, kept[-1], start) < MIN_CHARS:
            if len(kept) > 1 and _is_tail(lines[kept[-1] : start]):
                kept[-1] = start  # a signature cut off by a gap: it ends the previous draft
            continue  # the previous draft is too short: extend it instead of cutting here
        kept.append(start)
    if len(kept) > 1 and _draft_size(lines, kept[-1], len(lines)) < MIN_CHARS:
        kept.pop()  # a short tail joins the previous draft
    drafts = []
    for position, start in enumerate(kept):
        end = kept[position + 1] if position + 1 < len(kept) else len(lines)
        chunk = lines[start:end]
        drafts.append(Draft(start, end - 1, "\n".join(line.text for line in chunk), _union(chunk), chunk))
    return drafts


def _is_tail(piece: list[Line]) -> bool:
    """Whether a short piece is the end of an entry: a closing or a signature."""
    texts = [line.text.strip() for line in piece if line.text.strip()]
    return bool(texts) and all(signature(t) is not None or _CLOSING.match(fold(t)) for t in texts)


def _draft_size(lines: list[Line], start: int, end: int) -> int:
    return sum(len(line.text.strip()) for line in lines[start:end])


def _starts_entry(lines: list[Line], index: int, gaps: set[int]) -> bool:
    line = fold(lines[index].text.strip())
    previous = fold(lines[index - 1].text.strip())
    if _BULLET.match(lines[index].text.strip()):
        return False
    if index in gaps or not previous:
        return not _is_tail([lines[index]])  # a signature after a blank still ends its entry
    if _DATE_LINE.match(line) or _SALUTATION.match(line) or _NUMBERED.match(line):
        return True
    signed = previous.startswith(("signe", "signature")) and _CLOSING.match(previous)
    if _RULE.match(previous) or (signed and not re.fullmatch(r"sign\w*\s*:?", previous)):
        return True  # « Signé : Jean Martin » ends an entry; a bare « Signé : » is followed by the name
    if _CLOSING.match(previous):
        # « Cordialement, » is usually followed by the writer's name, on its own line.
        return not _looks_like_name(lines[index].text)
    before = fold(lines[index - 2].text.strip()) if index >= 2 else ""
    return bool(_CLOSING.match(before) and _looks_like_name(lines[index - 1].text))


def _looks_like_name(text: str) -> bool:
    words = text.strip().rstrip(".,").split()
    return (
        0 < len(words) <= 5
        and len(text.strip()) <= 40
        and words[0][:1].isupper()
        and not any(ch.isdigit() for ch in text)
    )


def _gap_lines(lines: list[Line]) -> set[int]:
    """Lines preceded by a vertical gap much larger than the usual line spacing."""
    boxes = [line.box for line in lines]
    if any(box is None for box in boxes):
        return {i for i in range(1, len(lines)) if not lines[i - 1].text.strip()}
    spacings = [
        boxes[i][1] - boxes[i - 1][1]  # type: ignore[index]
        for i in range(1, len(boxes))
        if boxes[i][1] > boxes[i - 1][1]  # type: ignore[index]
    ]
    if len(spacings) < 3:
        return set()
    usual = statistics.median(spacings)
    heights = statistics.median(b[3] - b[1] for b in boxes)  # type: ignore[index]
    return {
        i
        for i in range(1, len(boxes))
        if boxes[i][1] - boxes[i - 1][3] > max(1.6 * usual - heights, 1.2 * heights)  # type: ignore[index]
    }


def _indented_starts(lines: list[Line]) -> set[int]:
    """Lines opening an indented paragraph after a finished sentence (a typed register where each
    entry is a paragraph): the first line set in from the margin, nearly full, the line before
    it ending a sentence. A signature set to the right is short: it is not one."""
    boxes = [line.box for line in lines]
    if len(lines) < 3 or any(box is None for box in boxes):
        return set()
    lefts = sorted(box[0] for box in boxes)  # type: ignore[index]
    margin = lefts[len(lefts) // 4]
    height = statistics.median(box[3] - box[1] for box in boxes)  # type: ignore[index]
    width = max(box[2] for box in boxes) - margin  # type: ignore[index]
    found = set()
    for index in range(1, len(lines)):
        left, _, right, _ = boxes[index]  # type: ignore[misc]
        indent = left - margin
        finished = lines[index - 1].text.rstrip().endswith((".", "!", "?", "»", ":"))
        if finished and 1.2 * height < indent < 0.3 * width and right - left > 0.5 * width:
            found.add(index)
    return found


def _union(lines: list[Line]) -> tuple[int, int, int, int] | None:
    boxes = [line.box for line in lines if line.box is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
