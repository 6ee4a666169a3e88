"""Personal data written as numbers or addresses of mail: French phone numbers, email
addresses (with what OCR makes of « @ »), social-security numbers (NIR) and IBANs.

Numbers are masked on their shape: a NIR or an IBAN whose check key is wrong (a slip of the
pen, an OCR error, two digits swapped) is masked all the same, and its rule says so (« clé
invalide : masqué par prudence »); a phone number missing a digit too. Masking a look-alike
costs a placeholder the secretary can keep; a leak cannot be undone."""

from __future__ import annotations

import re

from mairie_cli.privacy import lexicon
from mairie_cli.privacy.spans import EMAIL, IBAN, NIR, PHONE, Span, fold

# Digits OCR read as letters (O for 0, l or I for 1) inside a run that is mostly digits.
# (Here and below, the character before a number is checked after its first character: a
# pattern starting with a character class is scanned for much faster than one starting with
# an assertion.)
_DIGITISH_RUN = re.compile(r"[+\dOoIl](?<![\w@][+\dOoIl])(?:[\dOoIl]|[ .\-](?=[\dOoIl])){8,}(?![\w@])")
# A digit next to one of those letters (a space, dot or dash between at most): a run that mixes
# them has one, so a text without is read as it is (the letters are common: scanned for slowly).
_LETTER_BY_DIGIT = re.compile(r"\d(?:[ .\-]?[OoIl]|(?<=[OoIl]\d)|(?<=[OoIl][ .\-]\d))")
_FR_NATIONAL = re.compile(r"0(?<![\d\w+]0)(?<!\d[ .\-]0)[1-9](?:[ .\-]?\d){8}(?![ .\-]?\d)")
# What a phone number starts like: an international prefix, or nine digits from « 0X » (one
# may be missing); the library is asked only where ten are, or a prefix (it is slow, and it
# finds only numbers it deems valid).
_PHONE_START = r"\+\s?\d|00\s?[1-9]\d|0\s?[1-9](?:\D{{0,3}}\d){{{more}}}"  # « more » digits after « 0X »
_PHONE_LIKE = re.compile(_PHONE_START.format(more=7))
_VALID_LIKE = re.compile(_PHONE_START.format(more=8))
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})

_AT = r"(?:\s?@\s?|\s?\((?:at|a|@)\)\s?|\s?\[(?:at|a|@)\]\s?|\s?[©®]\s?|\s(?:at|arobase)\s)"
_EMAIL = re.compile(
    r"(?<![\w.+\-])([A-Za-z0-9][A-Za-z0-9._+\-]*)" + _AT
    + r"([A-Za-z0-9][A-Za-z0-9\-]*(?:\s?\.\s?[A-Za-z0-9\-]+)*\s?\.\s?"
    + r"(?:fr|com|net|org|eu|info|be|ch|biz|io|re))\b",
    re.IGNORECASE,
)  # fmt: skip
_AT_HINT = re.compile(r"@|\((?:at|a|@)\)|\[(?:at|a|@)\]|[©®]|\sat\s|arobase", re.IGNORECASE)

_NIR = re.compile(
    r"([12378])(?<![\d\w][12378])[ .\-]?(\d{2})[ .\-]?(0[1-9]|1[0-2]|[2-9]\d)[ .\-]?(\d{2}|2[AB])[ .\-]?"
    r"(\d{3})[ .\-]?(\d{3})(?:[ .\-]?(\d{2}))?(?![\d])",
    re.IGNORECASE,
)
# A French number missing a digit: « 06 12 34 56 7 », « +33 6 12 34 56 7 » (written in groups).
_FR_SHORT = re.compile(
    r"(?:0(?<![\d\w+]0)|\+(?<![\d\w+]\+)33\s?(?:\(0\)\s?)?)[1-9](?:[ .\-]\d{1,2}){3,4}(?![ .\-]?\d)"
)
KEY_OK, KEY_WRONG, NO_KEY = (
    "clé vérifiée",
    "clé invalide : masqué par prudence",
    "sans clé : masqué par prudence",
)
_IBAN = re.compile(
    r"([A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?)(?![A-Za-z0-9])"
)
_IBAN_LENGTHS = {
    "FR": 27,
    "MC": 27,
    "BE": 16,
    "DE": 22,
    "ES": 24,
    "IT": 27,
    "LU": 20,
    "CH": 21,
    "GB": 22,
    "PT": 25,
    "NL": 18,
}


def phones(text: str) -> list[Span]:
    import phonenumbers

    # OCR reads « 0 » as « O » and « 1 » as « l »: searched on a copy where runs that are
    # mostly digits are read as digits (same length, so positions stay the same).
    def as_digits(match: re.Match[str]) -> str:
        run = match.group(0)
        return run.translate(_OCR_DIGITS) if sum(c.isdigit() for c in run) >= 6 else run

    readable = _DIGITISH_RUN.sub(as_digits, text) if _LETTER_BY_DIGIT.search(text) else text
    spans: list[Span] = []
    if not _PHONE_LIKE.search(readable):
        return spans
    if _VALID_LIKE.search(readable):
        matcher = phonenumbers.PhoneNumberMatcher(readable, "FR", leniency=phonenumbers.Leniency.VALID)
        for number in matcher:
            start, end = number.start, number.end
            spans.append(Span(PHONE, start, end, text[start:end], "phonenumbers"))
    # Ten digits « 0X XX XX XX XX » are a French number even where the library's plan for
    # metropolitan France says no (overseas 0590…, numbers not yet allocated); written in
    # groups with a digit missing, still a number someone could call with one guess.
    for pattern, rule in (
        (_FR_NATIONAL, "format français"),
        (_FR_SHORT, "chiffre manquant : masqué par prudence"),
    ):
        for match in pattern.finditer(readable):
            national = re.sub(r"^\+33\s?(?:\(0\)\s?)?", "0", match.group(0))
            digits = sum(c.isdigit() for c in national)
            if pattern is _FR_SHORT and digits not in (9, 10):
                continue
            said = "format français" if digits == 10 else rule
            if all(match.end() <= s.start or match.start() >= s.end for s in spans):
                spans.append(Span(PHONE, match.start(), match.end(), text[match.start() : match.end()], said))
    return spans


def nirs(text: str) -> list[Span]:
    """Social-security numbers by their shape (sex, year, month, place, order), key or not."""
    spans = []
    for match in _NIR.finditer(text):
        digits = "".join(match.groups()[:-1]).upper()
        number = int(digits.replace("2A", "19").replace("2B", "18"))
        key = match.group(7)
        state = NO_KEY if key is None else KEY_OK if 97 - number % 97 == int(key) else KEY_WRONG
        if key is None and not re.search(r"[ .\-]", match.group(0)):
            continue  # thirteen digits in a row and no key: a reference number more than a NIR
        spans.append(Span(NIR, match.start(), match.end(), match.group(0), f"NIR, {state}"))
    return spans


def ibans(text: str) -> list[Span]:
    spans = []
    for match in _IBAN.finditer(text.upper() if any(c.islower() for c in text[:0]) else text):
        compact = match.group(1).replace(" ", "")
        expected = _IBAN_LENGTHS.get(compact[:2])
        if expected is not None and len(compact) > expected:
            compact = compact[:expected]
        if not 15 <= len(compact) <= 34:
            continue
        if expected is None and not compact[2:4].isdigit():
            continue
        rearranged = compact[4:] + compact[:4]
        numeric = "".join(str(int(c, 36)) for c in rearranged)
        valid = int(numeric) % 97 == 1
        if valid or expected is not None:  # a known country's shape: masked even if the key fails
            end = match.start(1)
            taken = 0
            while taken < len(compact):  # the span ends with the last character checked
                if text[end] != " ":
                    taken += 1
                end += 1
            state = KEY_OK if valid else KEY_WRONG
            spans.append(Span(IBAN, match.start(1), end, text[match.start(1) : end], f"IBAN, {state}"))
    return spans


def emails(text: str) -> list[Span]:
    spans: list[Span] = []
    # Only around what may be an « @ »: an address's local part is at most 64 characters.
    for hint in _AT_HINT.finditer(text):
        start = max(0, hint.start() - 64, spans[-1].end if spans else 0)
        match = _EMAIL.search(text, start, hint.end() + 260)
        if match is None or match.start() > hint.start() or match.end() < hint.end():
            continue
        local = fold(match.group(1))
        domain = fold(re.sub(r"\s", "", match.group(2)))
        if local in lexicon.GENERIC_MAILBOXES and domain not in lexicon.WEBMAIL:
            continue  # mairie@commune.fr: an institution's mailbox
        spans.append(Span(EMAIL, match.start(), match.end(), match.group(0), "adresse électronique"))
    return spans
