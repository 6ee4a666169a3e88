"""Checking a spreadsheet's rows one by one, below its header.

Each row gives the fields of an entry, a refusal (a real bad row: the import stops), or a note
that it holds no data of the kind expected (a sub-header, a total, a separator, a heading):
skipped, said, never blocking. Runs where the rows are read (in the child process for a large
workbook), so its results are plain tuples.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from mairie_cli.dates import from_spreadsheet
from mairie_cli.errors import MairieError
from mairie_cli.models import Nature
from mairie_cli.services.commune.rows import MAX_PAGE_NUMBER
from mairie_cli.services.commune.sheet_layout import HEADER_WORDS, cell_text
from mairie_cli.textnorm import clean_text, words_key

_PAGE = re.compile(r"^(?:p(?:age)?\.?\s*)?(\d{1,9})(?:\.0+)?$", re.IGNORECASE)
_TOTAL = re.compile(r"^(?:sous )?(?:total|totaux)\b|^nombre total\b")
_SEPARATOR = re.compile(r"^[\W_]+$")
_SHORT = 40  # characters: longer texts are contributions, never a sub-header or a total
IDENT_PREFIX = "n:"  # import keys from the sheet's own row numbers (« N° »)

Spec = tuple[int, dict[str, int], tuple[int, ...], frozenset[str], int, date]


class RowError(Exception):
    """Why one row cannot be imported (a French phrase)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_rows(rows: Iterator[tuple[int, list[Any]]], spec: Spec) -> Iterator[tuple[Any, ...]]:
    """Check every row after the header.

    Gives, per row, ``("row", number, text, nature, date, author, page, note, import key,
    keyed by the sheet's row number)``, ``("bad", number, reason)`` for a refused row,
    ``("skip", number, reason)`` for a row without data, or ``("empty",)``.
    """
    header_row, columns, parts, labels, cahier_id, today = spec
    # Occurrences of each content already met in this file, so that two identical rows (a
    # petition signed twice) get distinct keys, stable from one import of the file to the next.
    # Keyed by a 16-byte digest: memory stays small however long the file.
    seen: Counter[bytes] = Counter()
    idents: dict[str, int] = {}
    used = [i for name, i in columns.items() if name != "ident"] + list(parts)
    for number, cells in rows:
        if number <= header_row:
            continue
        # A row whose recognised columns are all blank (a pre-numbered line) is empty.
        if all(_blank(cells[i]) for i in used if i < len(cells)):
            yield ("empty",)
            continue
        text = clean_text(cell_text(_cell(cells, columns.get("text"))))
        # Totals, separators and repeated headers have short texts (or none): a contribution's
        # text is not folded for nothing, row after row.
        if len(text) <= _SHORT:
            reason = _not_data(cells, columns, labels, not text or words_key(text) in labels)
            if reason:
                yield ("skip", number, reason)
                continue
        try:
            fields = _entry(columns, parts, cells, text, today, cahier_id, seen, idents, number)
            yield ("row", number, *fields)
        except (MairieError, RowError) as exc:
            yield ("bad", number, exc.message)


def _entry(
    columns: dict[str, int],
    parts: tuple[int, ...],
    cells: list[Any],
    text: str,
    today: date,
    cahier_id: int,
    seen: Counter[bytes],
    idents: dict[str, int],
    number: int,
) -> tuple[Any, ...]:
    if not text:
        raise RowError("le texte est vide")
    nature_cell = cell_text(_cell(cells, columns.get("nature"))).strip()
    nature = _nature(nature_cell) if nature_cell else Nature.DOLEANCE
    written_on = from_spreadsheet(_cell(cells, columns.get("date")), today=today)
    if parts:
        author = " ".join(clean_text(cell_text(_cell(cells, i))) for i in parts).strip() or None
    else:
        author = clean_text(cell_text(_cell(cells, columns.get("author")))) or None
    page = _page(_cell(cells, columns.get("page")))
    note = clean_text(cell_text(_cell(cells, columns.get("note")))) or None
    ident = clean_text(cell_text(_cell(cells, columns.get("ident"))))
    if ident:
        if ident in idents:
            raise RowError(f"le numéro « {ident} » est déjà celui de la ligne {idents[ident]}")
        idents[ident] = number
        key = f"{IDENT_PREFIX}{cahier_id}:{ident}"
    else:
        content = f"{cahier_id}\x1f{written_on}\x1f{nature.value}\x1f{text}\x1f{author}\x1f{page}"
        content += f"\x1f{note}" if note else ""  # rows without a note keep the keys of earlier versions
        digest = hashlib.blake2b(content.encode(), digest_size=16).digest()
        seen[digest] += 1
        key = f"{digest.hex()}-{seen[digest]}"
    return (text, nature.value, written_on, author, page, note, key, bool(ident))


def _not_data(
    cells: list[Any], columns: dict[str, int], labels: frozenset[str], textless: bool
) -> str | None:
    """Why a row holds no entry (a total, a separator; without text, a sub-header or a
    heading), or None: an entry, or a real bad row."""
    filled = [(i, cell_text(value).strip()) for i, value in enumerate(cells) if not _blank(value)]
    quoted = ", ".join(f"« {value[:30]} »" for _, value in filled[:4])
    if _TOTAL.match(words_key(filled[0][1])):
        return f"ligne de total ({quoted})"
    if all(_SEPARATOR.match(value) for _, value in filled):
        return "ligne de séparation"
    if not textless:
        return None
    if all(words_key(value) in labels or words_key(value) in HEADER_WORDS for _, value in filled):
        return f"sous-en-tête ou en-tête répété ({quoted})"
    data_columns = {columns.get(name) for name in ("text", "author", "note")}
    if len(filled) == 1 and filled[0][0] not in data_columns and not _of_its_kind(filled[0], columns):
        return f"intertitre ({quoted})"
    return None


def _of_its_kind(cell: tuple[int, str], columns: dict[str, int]) -> bool:
    """True when a lone value is what its column holds (a date in the date column…)."""
    index, value = cell
    try:
        if index == columns.get("date"):
            return from_spreadsheet(value) is not None
        if index == columns.get("page"):
            return _page(value) is not None
        if index == columns.get("nature"):
            return _nature(value) is not None
    except (MairieError, RowError):
        return False
    return False


def _cell(cells: list[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


@lru_cache(maxsize=256)
def _nature(value: str) -> Nature:
    return Nature.parse(value)


def _page(value: Any) -> int | None:
    text = cell_text(value).strip()
    if not text:
        return None
    match = _PAGE.match(text)
    if not match:
        raise RowError(f"le numéro de page « {text} » n'est pas un nombre entier")
    number = int(match[1])
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise RowError(f"le numéro de page {number} doit être compris entre 1 et {MAX_PAGE_NUMBER}")
    return number


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
