"""Text normalisation used for matching what people type (headers, natures, search words)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_TOKEN = re.compile(r"[0-9a-zàâäçéèêëîïôöùûüÿœæ]+")
#: C0 and C1 control characters, DEL, but not the newline and the tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Every control character (for text printed on one line).
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: French function words, skipped when only the subject of a text matters.
STOP_WORDS = frozenset(
    "a à au aux d de des du en et l la le les un une sur par pour dans avec ou qu que qui ce cet cette "
    "ces son sa ses leur leurs nos notre vos votre".split()
)


class _Folding(dict[int, str]):
    """Each character's folding (its compatibility decomposition without combining marks, case
    folded), worked out the first time the character is met."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        self[code] = folded
        return folded


_FOLDED = _Folding()


def fold(value: str) -> str:
    """Lower case without accents: « Doléance » and « DOLEANCE » both give « doleance »."""
    if value.isascii():
        return value.lower()
    return value.translate(_FOLDED)  # character by character: the same as folding the whole


def words_key(value: str) -> str:
    """Folded words joined by single spaces: « N° de page » gives « n de page »."""
    return _NON_WORD.sub(" ", fold(value)).strip()


def words(text: str) -> list[str]:
    """The words of a text in lower case, accents kept (« L'impôt » gives ``["l", "impôt"]``)."""
    return _TOKEN.findall(text.lower())


def content_words(text: str) -> list[str]:
    """``words`` without function words (« Les impôts sur le revenu » gives ``["impôts", "revenu"]``)."""
    return [t for t in words(text) if t not in STOP_WORDS]


def clean_text(value: str) -> str:
    """Normalise a citizen's text for storage without changing what was written.

    Unicode is put in composed form (NFC, so « é » typed on Windows or macOS compares equal),
    line endings become ``\\n``, trailing spaces and blank lines at both ends are dropped, and
    control characters other than the newline and the tab (a bell, an escape, a NUL: never
    written on paper) are removed: they would break a workbook or a terminal.
    """
    one_clean_line = "\n" not in value and "\r" not in value and value == value.strip()
    if one_clean_line and unicodedata.is_normalized("NFC", value) and not _CONTROL.search(value):
        return value  # the common case, checked at C speed
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n").strip()


def without_controls(value: str) -> str:
    """The text without control characters other than newline and tab."""
    return _CONTROL.sub("", value)


def printable(value: str, limit: int = 200) -> str:
    """Text from outside (a file name from a USB stick, a name in a bundle) made safe to print:
    control characters and escape sequences shown as « ? », undecodable bytes as « � »,
    length bounded."""
    text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _ANY_CONTROL.sub("?", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
