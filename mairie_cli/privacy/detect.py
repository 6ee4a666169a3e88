"""Finding French personal data in free text, offline, and masking it.

Six kinds, each found by the rule that suits it: phone numbers by the ``phonenumbers``
library (every usual French format, « +33 (0)6 », dots, dashes), email addresses by a
pattern that also accepts what OCR makes of « @ », social-security numbers (NIR) and IBANs
by their shape (a wrong check key only lowers the confidence shown), postal addresses by
number + type of way + name (or a postcode and town after the way), person names (see
``names``: after a title, in a signature, after a family word, as a first name and a surname…).

What is public is left alone: people named as public figures (the President, a minister),
a street or a school named after a person (« rue Jean Jaurès » is an address), the generic
mailbox of an institution (mairie@…, contact@…).

Every decision is explainable: a span says its kind and the rule that found it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from mairie_cli.privacy.first_look import first_look
from mairie_cli.privacy.names import CAP_WORD, WORD, author_names, find_names, trim
from mairie_cli.privacy.numbers import emails, ibans, nirs, phones
from mairie_cli.privacy.spans import (
    ADDRESS,
    EMAIL,
    IBAN,
    KINDS,
    NAME,
    NIR,
    PHONE,
    PRIORITY,
    Span,
    count_kinds,
    fold,
    placeholder,
)

__all__ = [
    "ADDRESS",
    "EMAIL",
    "IBAN",
    "KINDS",
    "NAME",
    "NIR",
    "PHONE",
    "Detector",
    "Span",
    "count_kinds",
    "fold",
    "placeholder",
]

# -- patterns ------------------------------------------------------------------------------


# Eight digits with at most three separators between each: a phone, NIR or IBAN may be there.
_MANY_DIGITS = re.compile(r"[0-9](?:[^0-9]{0,3}+[0-9]){7}")  # (possessive: no needless backtracking)
# Five such digits: where that, or a postcode, can start at the earliest. Most texts with digits
# have none (a year, an amount): one scan then stands for both searches.
_FIVE_DIGITS = re.compile(r"[0-9](?:[^0-9]{0,3}+[0-9]){4}")

# The words naming a way, in the order they are tried (« chemin » before « chemin rural »).
_WAYS = (
    "rue ruelle avenue av. boulevard bd bld chemin impasse imp. allée allee place route rte quai "
    "cours square résidence residence hameau faubourg fbg passage sentier voie rond-point "
    "lotissement cité cite montée montee chaussée chaussee esplanade promenade villa clos domaine "
    "lieu-dit lieudit"
).split() + ["chemin rural", "voie communale"]


def _by_first_letter(words: list[str]) -> str:
    """An alternation of ``words`` factored by first letter: each alternative is tried only
    where its letter is (within a letter, the order is kept)."""
    rests: dict[str, list[str]] = {}
    for word in words:
        rests.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in rests.items())


_WAY = rf"(?i:{_by_first_letter(_WAYS)})"
#: The first words of ways, as words of the text's lower-case copy: a number can start an
#: address only in a text that has one (or a « grand'rue », « grande rue »: ``_WHOLE_WAY``).
_WAY_WORDS = frozenset([*(way.split()[0] for way in _WAYS), "grande", "grand"])
_ARTICLE = r"(?i:de\s+la\s+|de\s+l['’]\s*|du\s+|des\s+|de\s+|d['’]\s*|la\s+|le\s+|les\s+|l['’]\s*|aux\s+)"
_CONNECTOR = r"(?i:\s+(?:de\s+la|de|du|des|d['’]|la|le|les|l['’]|et|sur|sous|en|aux)\s*|[\s\-]+)"
# Ways whose name is the way itself (« 45, Grande Rue »).
_WHOLE_WAY = r"(?i:grande\s+rue|grand['’]\s*rue|grand\s+rue)"
_NOT_A_WAY_NAME = r"(?!(?i:sur|sous|en|et|ou|à|a|de|pour|par|avec)\b)"
_WAY_NAME = (
    rf"{_ARTICLE}?{_NOT_A_WAY_NAME}{WORD}(?:{_CONNECTOR}(?:{CAP_WORD}|\d+))*?(?:{_CONNECTOR}{CAP_WORD})*"
)
_POSTCODE_TOWN = (
    rf"(?:\s*,?\s*(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+{CAP_WORD}(?:(?:[\s\-]+(?i:sur|sous|en|le|la|les|de|du|des|"
    rf"d['’]|l['’]|lès|les)?[\s\-]*){CAP_WORD}){{0,4}}(?:\s+C[Ee][Dd][Ee][Xx](?:\s+\d+)?)?)"
)
_NUMBER = r"\d{1,4}\s?(?i:bis|ter|quater|[A-D](?![\w']))?\s?,?\s+"
# Two patterns, each starting with what is rarest (a digit; a postcode), so that the regular
# expression engine skips quickly to where an address can start.
_ADDRESS_NUMBER = re.compile(rf"{_NUMBER}(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}?")
_POSTCODE = re.compile(r"[0-9][0-9](?:[0-9]{3}| [0-9]{3})")  # « \d{5}|\d\d \d{3} », factored: faster
# A house number followed by a way (not the end of a larger number: « 1,250 rue » is none).
# (Patterns starting with a plain character class are scanned for much faster than ones
# starting with an assertion: the character before is checked after. Tried once per run of
# digits, with all its digits: fewer could not be followed by a space.)
_NUMBER_BEFORE_WAY = re.compile(
    rf"[0-9](?<![0-9][0-9])[0-9]{{0,3}}+(?=\s?(?i:bis|ter|quater|[A-D](?![\w']))?\s?,?\s+(?:{_WAY}|{_WHOLE_WAY}))"
)
_ADDRESS_POSTCODE = re.compile(rf"(?<![\w])(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}")
# Where one lives, said in words: the street alone is then an address.
_HOME = re.compile(
    rf"(?i:j['’]\s*habite|habitant|domicili[ée]e?s?|demeurant|r[ée]sidant|je\s+r[ée]side)\s+(?:au\s+|à\s+|a\s+|dans\s+la\s+|dans\s+le\s+|en\s+)?"
    rf"(?P<place>(?:\d{{1,4}}\s?(?i:bis|ter)?\s?,?\s+)?(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}?)"
)

# Where the « home » pattern starts, in the text's lower-case copy; ``_may_be_home`` looks for
# shorter hints first (most texts have none): each stem holds one of them (tested).
_HOME_STEMS = (
    "j'habite", "j’habite", "habitant", "domicili", "demeurant", "résidant", "je réside", "je reside",
)  # fmt: skip
_LOOK = first_look(_HOME_STEMS, _WAY, _WHOLE_WAY)


class Detector:
    """Finds personal data; ``keep`` and ``mask`` carry the secretary's own decisions.

    ``keep``: texts that are not personal data (« Rose », a local figure), compared without
    accents or case; ``mask``: ``(text, kind)`` pairs always masked where they appear.
    """

    def __init__(self, keep: Iterable[str] = (), mask: Iterable[tuple[str, str]] = ()) -> None:
        self.keep = frozenset(fold(k).strip() for k in keep if k.strip())
        self.mask_terms = [(fold(t).strip(), kind) for t, kind in mask if t.strip()]

    def find(self, text: str, names: Iterable[str] = (), found: list[Span] | None = None) -> list[Span]:
        """Every span of personal data in ``text``, in order, without overlaps; ``names`` are
        the author's names as signed, found again anywhere in the text. ``found``: what
        ``rules`` gave for this text and these names, when it was kept (the secretary's
        decisions are applied here, on top of it)."""
        if not text:
            return []
        spans = list(self.rules(text, names) if found is None else found)
        if self.mask_terms:
            spans += self._chosen(text)
        if self.keep:
            spans = [s for s in spans if fold(s.text).strip() not in self.keep]
        return _resolve(spans)

    @staticmethod
    def rules(text: str, names: Iterable[str] = ()) -> list[Span]:
        """What the rules find, overlaps included, before the secretary's decisions: it depends
        only on the text, the names and the rules, so it can be kept (``privacy.findings``)."""
        # Each rule runs only where a cheap test (substring searches, a first look in one pass
        # with RE2) says it may find something: most entries have no personal data, and
        # Python's regular expressions are slow to try at every position.
        look = _LOOK(text)
        digits = look.numbers and _has_digit(text)
        lowered = text.lower() if digits or look.anchors or look.mail_or_home or names else ""
        words = lowered.split() if digits or look.anchors else []
        found: list[Span] = []
        if digits:
            five = _FIVE_DIGITS.search(text)
            if five is not None and _MANY_DIGITS.search(text, five.start()):
                found += ibans(text) + nirs(text) + phones(text)
            found += _addresses(text, lowered, words, five.start() if five is not None else None)
        if look.mail_or_home:
            if _may_be_email(text, lowered):
                found += emails(text)
            found += _homes(text, lowered)
        if look.anchors or look.pairs:
            found += find_names(text, lowered, words, anchored=look.anchors, paired=look.pairs)
        if names:
            found += author_names(text, lowered, names)
        return found

    def mask(
        self, text: str, names: Iterable[str] = (), found: list[Span] | None = None
    ) -> tuple[str, Counter[str]]:
        """The text with each span replaced by its placeholder, and the count per kind."""
        return replace(text, self.find(text, names, found))

    def _chosen(self, text: str) -> list[Span]:
        folded = fold(text)
        spans = []
        if len(folded) != len(text):  # a character whose folding changes the length: rare
            return []
        for term, kind in self.mask_terms:
            for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
                spans.append(
                    Span(kind, match.start(), match.end(), text[match.start() : match.end()], "choix")
                )
        return spans


def replace(text: str, spans: list[Span]) -> tuple[str, Counter[str]]:
    """The text with each span (in order, without overlaps) replaced by its placeholder, and
    the count per kind."""
    counts: Counter[str] = Counter(s.kind for s in spans)
    if not spans:
        return text, counts
    pieces = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(placeholder(span.kind))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces), counts


def _resolve(spans: list[Span]) -> list[Span]:
    """Drop spans overlapping a stronger one; the secretary's choices beat every rule."""
    ordered = sorted(spans, key=lambda s: (s.rule != "choix", PRIORITY[s.kind], s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in ordered:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


# -- addresses and names ---------------------------------------------------------------------


def _addresses(text: str, lowered: str, words: list[str], codes_from: int | None) -> list[Span]:
    """``words``: those of ``lowered``, split on white space; ``codes_from``: where five digits
    close together are first (None: nowhere, so no postcode either)."""
    spans = []
    # A number followed by a word naming a way: the full pattern is tried there only.
    ways = not _WAY_WORDS.isdisjoint(words) or "grand'" in lowered or "grand’" in lowered
    for number in _NUMBER_BEFORE_WAY.finditer(text) if ways else ():
        if number.start() and text[number.start() - 1] in "0123456789,.":
            continue  # the end of a larger number
        match = _ADDRESS_NUMBER.match(text, number.start())
        if match is not None:
            end = trim(text, match.start(), match.end())
            spans.append(Span(ADDRESS, match.start(), end, text[match.start() : end], "numéro et voie"))
    # A postcode: a way named in the 80 characters before it, with nothing else between.
    for code in _POSTCODE.finditer(text, codes_from) if codes_from is not None else ():
        for match in _ADDRESS_POSTCODE.finditer(text, max(0, code.start() - 80), code.end() + 120):
            if match.start() <= code.start() < match.end():
                end = trim(text, match.start(), match.end())
                spans.append(
                    Span(ADDRESS, match.start(), end, text[match.start() : end], "voie et code postal")
                )
    return spans


def _may_be_email(text: str, lowered: str) -> bool:
    """Whether the text has something an « @ » may be written as (most texts have none)."""
    # (A single character is found much faster than a few.)
    return (
        "@" in text or "©" in text or "®" in text or " at " in lowered or "arobase" in lowered
        or ("(" in text and ("(a)" in lowered or "(at)" in lowered))
        or ("[" in text and ("[a]" in lowered or "[at]" in lowered))
    )  # fmt: skip


# The two tests below are written out: ``any`` over a generator costs more than the substring
# searches themselves (2.4 µs against 0.5 µs for the digits), and a regular expression more.


def _has_digit(text: str) -> bool:
    return (
        "0" in text or "1" in text or "2" in text or "3" in text or "4" in text
        or "5" in text or "6" in text or "7" in text or "8" in text or "9" in text
    )  # fmt: skip


def _may_be_home(lowered: str) -> bool:
    """Whether the text (in lower case) may hold one of ``_HOME_STEMS``."""
    return (
        "habit" in lowered or "domicili" in lowered or "demeurant" in lowered
        or "résidant" in lowered or "je résid" in lowered or "je resid" in lowered
    )  # fmt: skip


def _homes(text: str, lowered: str) -> list[Span]:
    spans: list[Span] = []
    if len(lowered) != len(text) or not _may_be_home(lowered):
        return spans
    for stem in _HOME_STEMS:
        position = lowered.find(stem)
        while position != -1:
            match = _HOME.match(text, position)
            if match is not None:
                start, end = match.start("place"), trim(text, match.start("place"), match.end("place"))
                spans.append(Span(ADDRESS, start, end, text[start:end], "domicile"))
            position = lowered.find(stem, position + 1)
    return spans
