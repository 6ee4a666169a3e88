"""Where a spreadsheet's data is: its header row (one or two rows deep) and which column is what.

Columns are recognised by their French names, with or without accents. A header may be grouped
over two rows (« Auteur » merged over « Nom | Prénom »): the second row names the columns, and
name parts are joined into one author. Every column that has a header or holds data is listed,
used or ignored, so that nothing is dropped without the secretary seeing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mairie_cli.errors import InvalidValue, NoTextColumn
from mairie_cli.tabular import Sheet
from mairie_cli.textnorm import words_key

#: Fields a column can feed, with their French names for messages and ``--colonne``.
FIELDS = {
    "text": "texte",
    "date": "date",
    "nature": "nature",
    "author": "auteur",
    "page": "page",
    "note": "note",
    "ident": "numero",
}

#: The citizen's text, the best names first: « Contribution » wins over « Observations ».
_TEXT_NAMES = [
    ["texte", "contribution", "contributions", "doleance", "doleances", "contenu", "message",
     "texte de la contribution", "votre contribution", "votre message", "doleances et propositions",
     "texte integral", "contribution citoyenne", "texte de la doleance", "expression", "description"],
    ["observation", "observations", "remarque", "remarques", "commentaire", "commentaires", "avis"],
]  # fmt: skip
_EXACT: dict[str, str] = {
    **dict.fromkeys(
        ["date", "le", "jour", "date ecrite", "date de la contribution", "date de depot"], "date"
    ),
    **dict.fromkeys(["nature", "type", "categorie", "genre", "type de contribution"], "nature"),
    **dict.fromkeys(
        [
            "auteur", "auteurs", "nom", "nom prenom", "prenom nom", "nom et prenom",
            "prenom et nom", "signataire", "signature", "redacteur", "identite", "citoyen",
            "nom du signataire", "auteur e",
        ],
        "author",
    ),
    **dict.fromkeys(
        ["page", "n page", "no page", "num page", "numero de page", "page du cahier", "folio"], "page"
    ),
    **dict.fromkeys(
        ["n", "no", "num", "numero", "n d ordre", "numero d ordre", "numero de ligne", "id",
         "identifiant", "ref", "reference"],
        "ident",
    ),
}  # fmt: skip
#: Parts of a name in separate columns, joined into one author (first name first).
_FIRST_NAMES = {"prenom", "prenoms"}
_SURNAMES = {"nom", "nom de famille", "nom d usage", "patronyme"}

# When no exact name matches, the first field one of whose words appears in the header wins,
# in this order: « Nature de la contribution » is a nature, « Date de la doléance » a date.
_KEYWORDS: list[tuple[str, set[str]]] = [
    ("nature", {"nature", "type", "categorie"}),
    ("date", {"date"}),
    ("page", {"page", "folio"}),
    ("author", {"auteur", "nom", "prenom", "signataire", "signature", "redacteur"}),
    ("text", {"texte", "contribution", "doleance", "doleances", "contenu", "message",
              "observation", "observations", "commentaire", "remarque"}),
]  # fmt: skip
HEADER_WORDS = frozenset(
    {*(n for names in _TEXT_NAMES for n in names), *_EXACT, *_FIRST_NAMES, *_SURNAMES,
     *(w for _, words in _KEYWORDS for w in words)}
)  # fmt: skip

_HEADER_SEARCH_ROWS = 10
_DATA_SEARCH_ROWS = 40  # rows looked at to list the columns that hold data
_MAX_HEADER_WORDS = 6
_MAX_LABEL_WORDS = 4


@dataclass(frozen=True)
class Layout:
    """Where the data of one sheet is, and what each column feeds."""

    sheet: Sheet
    header_row: int  # the last header row: data starts below it
    columns: dict[str, int]  # field -> column index
    author_parts: tuple[int, ...]  # name parts joined into the author (first name first)
    headers: list[str]  # each column's name as shown (« Auteur › Prénom » under a group)
    labels: frozenset[str]  # the sheet's own header cells, folded (a repeated header is no data)
    data_columns: tuple[int, ...]  # columns holding something below the header

    def mapping(self) -> dict[str, str]:
        """Field -> the column(s) it comes from, as the sheet names them."""
        shown = {name: self._name(index) for name, index in self.columns.items()}
        if self.author_parts:
            shown["author"] = " + ".join(self._name(i) for i in self.author_parts)
        return dict(sorted(shown.items(), key=lambda item: list(FIELDS).index(item[0])))

    def ignored(self) -> list[str]:
        """Every column with a header or data that feeds nothing."""
        used = {*self.columns.values(), *self.author_parts}
        named = {i for i, h in enumerate(self.headers) if h}
        return [self._name(i) for i in sorted((named | set(self.data_columns)) - used)]

    def spec(self) -> tuple[int, dict[str, int], tuple[int, ...], frozenset[str]]:
        """What the row checker needs (plain, picklable values)."""
        return self.header_row, self.columns, self.author_parts, self.labels

    def _name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return header or f"colonne {_letter(index)} (sans en-tête)"


def find_layout(sheets: list[Sheet], forced: dict[str, str]) -> Layout:
    """The header row: among the first rows, the one where most columns are recognised; the
    row below it too when it names the columns of a group."""
    seen_headers: list[str] = []
    for sheet in sheets:
        rows = sheet.head(_DATA_SEARCH_ROWS)
        head = [(number, [cell_text(c).strip() for c in cells]) for number, cells in rows]
        best: tuple[int, list[str], dict[str, int], tuple[int, ...]] | None = None
        for position, (_, headers) in enumerate(head[:_HEADER_SEARCH_ROWS]):
            if not any(headers):
                continue
            seen_headers = seen_headers or [h for h in headers if h]
            found, parts = _match_columns(headers, forced)
            if "text" in found and (best is None or len(found) + len(parts) > len(best[2]) + len(best[3])):
                best = (position, headers, found, parts)
        if best is not None:
            return _layout(sheet, head, *best, forced)
    shown = ", ".join(f"« {h[:40]} »" for h in seen_headers[:12]) or "aucune"
    raise NoTextColumn(
        "Aucune colonne de texte n'a été reconnue (colonnes trouvées : " + shown + "). "
        "Nommez la colonne du texte « Texte » ou « Contribution », ou indiquez-la avec "
        '--colonne texte="Nom de la colonne".'
    )


def _layout(
    sheet: Sheet,
    head: list[tuple[int, list[str]]],
    position: int,
    headers: list[str],
    found: dict[str, int],
    parts: tuple[int, ...],
    forced: dict[str, str],
) -> Layout:
    labels = {words_key(h) for h in headers if h}
    below = head[position + 1][1] if position + 1 < len(head) else []
    if _names_a_group(headers, below, found["text"]):
        shown, matched = _grouped(headers, below)
        grouped, grouped_parts = _match_columns(matched, forced)
        if "text" in grouped:
            found, parts, headers, position = grouped, grouped_parts, shown, position + 1
            labels |= {words_key(h) for h in below if h}
    data = {i for _, cells in head[position + 1 :] for i, value in enumerate(cells) if value}
    return Layout(sheet, head[position][0], found, parts, headers, frozenset(labels), tuple(sorted(data)))


def _names_a_group(top: list[str], below: list[str], text_index: int) -> bool:
    """True when the row under the header names columns of a group (« Nom | Prénom » under a
    merged « Auteur »), rather than being the first row of data."""
    cells = [(i, value) for i, value in enumerate(below) if value]
    under_text = below[text_index] if text_index < len(below) else ""
    if not cells or (under_text and words_key(under_text) not in HEADER_WORDS):
        return False
    if not all(_label(value) for _, value in cells):
        return False
    if not any(words_key(value) in HEADER_WORDS for _, value in cells):
        return False
    return any(i >= len(top) or not top[i] or words_key(top[i]) in HEADER_WORDS for i, _ in cells)


def _grouped(top: list[str], below: list[str]) -> tuple[list[str], list[str]]:
    """Each column's name as shown (« Auteur › Prénom ») and as matched (« Prénom »)."""
    shown: list[str] = []
    matched: list[str] = []
    group = ""
    for index in range(max(len(top), len(below))):
        upper = top[index] if index < len(top) else ""
        lower = below[index] if index < len(below) else ""
        group = upper or (group if lower else "")  # a merged cell spreads over the columns below it
        shown.append(f"{group} › {lower}" if group and lower and group != lower else lower or upper)
        matched.append(lower or upper)
    return shown, matched


def _label(value: str) -> bool:
    """A short name, not data: a few words, no digits."""
    return len(value) <= 40 and len(value.split()) <= _MAX_LABEL_WORDS and not re.search(r"\d", value)


def _match_columns(headers: list[str], forced: dict[str, str]) -> tuple[dict[str, int], tuple[int, ...]]:
    keys = [words_key(h) for h in headers]
    found: dict[str, int] = {}
    for name, wanted in forced.items():
        target = words_key(wanted)
        if target in keys:
            found[name] = keys.index(target)
    taken = set(found.values())
    parts: tuple[int, ...] = ()
    if "author" not in found:
        first = [i for i, k in enumerate(keys) if k in _FIRST_NAMES and i not in taken]
        last = [i for i, k in enumerate(keys) if k in _SURNAMES and i not in taken]
        if first and last:
            parts = (first[0], last[0])
            taken.update(parts)
    if "text" not in found:
        ranked = [(rank, i) for i, k in enumerate(keys) if i not in taken
                  for rank, names in enumerate(_TEXT_NAMES) if k in names]  # fmt: skip
        if ranked:
            found["text"] = min(ranked)[1]
            taken.add(found["text"])
    for index, key in enumerate(keys):
        if index in taken or not key:
            continue
        field_name = _EXACT.get(key) or _keyword_field(key)
        if field_name and field_name not in found and not (field_name == "author" and parts):
            found[field_name] = index
            taken.add(index)
    return found, parts


def _keyword_field(key: str) -> str | None:
    words = key.split()
    if len(words) > _MAX_HEADER_WORDS:
        return None  # a sentence is data or a title, not a column name
    for name, keywords in _KEYWORDS:
        if keywords.intersection(words):
            return name
    return None


def cell_text(value: Any) -> str:
    """A cell's value as text: « 12 » for the float 12.0 a spreadsheet gives, « » for nothing."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_column_options(options: list[str]) -> dict[str, str]:
    """Read ``--colonne texte=Observations`` options into ``{"text": "Observations"}``."""
    by_french = {fr: name for name, fr in FIELDS.items()}
    forced: dict[str, str] = {}
    for option in options:
        field_name, sep, header = option.partition("=")
        name = by_french.get(words_key(field_name))
        if not sep or name is None or not header.strip():
            raise InvalidValue(
                f"« {option} » n'est pas compris : écrivez par exemple "
                f'--colonne texte="Observations" (champs : {", ".join(FIELDS.values())}).'
            )
        forced[name] = header.strip()
    return forced
