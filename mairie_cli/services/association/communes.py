"""Reading the list of a department's communes: INSEE codes, names, populations, and the old
codes of communes merged since (from the official INSEE files or a simple column of codes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mairie_cli.errors import InvalidInsee, InvalidValue
from mairie_cli.insee import department_of, normalize_insee
from mairie_cli.textnorm import words_key

_CODE_HEADERS = {"insee", "codeinsee", "codecommuneinsee", "codgeo", "com", "depcom", "codeinseecommune"}
#: The commune an old code belongs to now: the INSEE list's « COMPARENT » (for its delegated
#: and associated communes, the communes merged since), the INSEE « mouvements » file's
#: « COM_AP », or a column named so.
_PARENT_HEADERS = {
    "comparent", "comap", "codeactuel", "nouveaucode", "codecommunenouvelle", "communenouvelle",
}  # fmt: skip
_OLD_CODE_HEADERS = {"comav", "anciencode", "codeancien"}
_NAME_HEADERS = {"nom", "commune", "nomcommune", "nomdelacommune", "libelle", "libgeo", "nccenr", "ncc"}
_POPULATION_HEADERS = {"population", "pmun", "populationmunicipale", "ptot", "populationtotale"}


@dataclass
class CommuneList:
    rows: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)  # old code -> commune it joined
    outside: int = 0
    invalid: list[int] = field(default_factory=list)  # row numbers


def _header_key(value: object) -> str:
    return words_key(str(value or "")).replace(" ", "")


def read_commune_list(path: Path, department: str) -> CommuneList:
    """Read INSEE codes (and names, populations) from a CSV or workbook with or without header.

    The official files are understood: the INSEE commune list (``COM``, ``LIBELLE``; its
    delegated and associated communes — communes merged since 2019 and earlier — give their old
    code and the commune they belong to, ``COMPARENT``), the INSEE « mouvements » file
    (``COM_AV`` → ``COM_AP``: old codes only, no commune listed) and the legal populations
    (``Population municipale``).
    """
    from mairie_cli.tabular import open_sheets

    result = CommuneList()
    with open_sheets(path) as sheets:
        sheet = sheets[0]
        head = sheet.head()
        header_number, columns = _find_columns(head)
        for number, cells in sheet.rows():
            if number <= header_number or not any(str(c or "").strip() for c in cells):
                continue
            # Communes (« COM »), and delegated or associated ones (old codes) for their parent.
            kind = str(_cell(cells, columns["type"])).strip().upper() if "type" in columns else ""
            if kind not in ("COM", "COMD", "COMA", ""):
                continue
            try:
                code = normalize_insee(str(_cell(cells, columns["code"])).strip().zfill(5))
                parent = str(_cell(cells, columns["parent"])).strip() if "parent" in columns else ""
                parent = normalize_insee(parent.zfill(5)) if parent else ""
            except InvalidInsee:
                result.invalid.append(number)
                continue
            if department_of(parent or code) != department:
                result.outside += 1
                continue
            if parent or columns.get("moves") or kind in ("COMD", "COMA"):
                if parent and parent != code:
                    result.merged.append((code, parent))
                continue
            name = str(_cell(cells, columns["name"]) or "").strip() or None if "name" in columns else None
            population = _population(_cell(cells, columns["population"])) if "population" in columns else None
            result.rows.append((code, name, population))
    if not result.rows and not result.merged:
        raise InvalidValue(
            f"« {path.name} » ne contient aucun code INSEE de commune du département {department} : "
            "il faut une colonne « code INSEE » (5 caractères, par exemple 01001)."
        )
    return result


def _find_columns(head: list[tuple[int, list[object]]]) -> tuple[int, dict[str, int]]:
    for number, cells in head:
        keys = [_header_key(c) for c in cells]
        columns: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key in _OLD_CODE_HEADERS:
                columns["code"] = index  # the old code is the row's code
                columns["moves"] = 1  # a file of changes: it lists no commune
            elif key in _CODE_HEADERS and "code" not in columns:
                columns["code"] = index
            elif key in _PARENT_HEADERS and "parent" not in columns:
                columns["parent"] = index
            elif key in _NAME_HEADERS and "name" not in columns:
                columns["name"] = index
            elif key in _POPULATION_HEADERS and "population" not in columns:
                columns["population"] = index
            elif key == "typecom":
                columns["type"] = index
        if "code" in columns:
            return number, columns
    # No header: the first column holding INSEE codes, the next text column as the name.
    return 0, {"code": 0}


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else ""


def _population(value: object) -> int | None:
    digits = re.sub(r"[\s\u202f\u00a0.]", "", str(value or ""))
    return int(digits) if digits.isdigit() else None
