"""The official list of communes (INSEE Code officiel géographique), carried by the package.

``data/communes.tsv.gz`` is derived by ``scripts/make_communes.py`` from Etalab's
``@etalab/decoupage-administratif`` (MIT, see ``data/LICENCE-communes.txt``): current communes,
delegated and associated communes, municipal arrondissements, and the former codes of communes
merged since (a cahier of 2019 may come from one). Read once, on first use.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mairie_cli.errors import InvalidInsee
from mairie_cli.insee import normalize_insee
from mairie_cli.textnorm import words_key

CURRENT = "actuelle"
_KIND_NAMES = {
    "deleguee": "commune déléguée",
    "associee": "commune associée",
    "arrondissement": "arrondissement municipal",
    "ancienne": "ancienne commune",
}


@dataclass(frozen=True)
class Commune:
    """One code of the official list."""

    code: str
    kind: str  # actuelle, deleguee, associee, arrondissement, ancienne
    name: str
    department: str
    population: int | None
    parent: str  # the current commune it belongs to (delegated, associated, merged), else ""
    postcodes: tuple[str, ...]


@cache
def _table() -> tuple[dict[str, list[Commune]], str]:
    data = resources.files("mairie_cli").joinpath("data/communes.tsv.gz")
    by_code: dict[str, list[Commune]] = {}
    source = ""
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                source = source or line[1:].strip()
                continue
            code, kind, name, department, population, parent, postcodes = line.rstrip("\n").split("\t")
            commune = Commune(
                code, kind, name, department, int(population) if population else None, parent,
                tuple(postcodes.split()),
            )  # fmt: skip
            by_code.setdefault(code, []).append(commune)
    for entries in by_code.values():
        entries.sort(key=lambda c: c.kind != CURRENT)
    return by_code, source


def source() -> str:
    """Where the list comes from, as its file states it."""
    return _table()[1]


def lookup(code: str) -> Commune | None:
    """The commune (a current one first) that has this INSEE code, if any."""
    entries = _table()[0].get(code)
    return entries[0] if entries else None


_OVERSEAS = ("971", "972", "973", "974", "976")


def current() -> list[Commune]:
    """Every current commune of the official list (not the delegated, associated or old ones)."""
    return [entries[0] for entries in _table()[0].values() if entries[0].kind == CURRENT]


def departments() -> list[str]:
    """The departments of the official list: 01 … 95, 2A, 2B and 971 … 976 (the overseas
    collectivities, 975 and 977 onwards, have no departmental association)."""
    return sorted({c.department for c in current() if len(c.department) == 2 or c.department in _OVERSEAS})


def by_postcode(postcode: str) -> list[Commune]:
    """The current communes served by a postcode (someone typed the postcode for the INSEE code)."""
    return [
        entries[0]
        for entries in _table()[0].values()
        if entries[0].kind == CURRENT and postcode in entries[0].postcodes
    ]


def describe(commune: Commune) -> str:
    """« L'Abergement-Clémenciat (01001) », « Arbignieu, commune déléguée de Arboys en Bugey (01015) »."""
    name = commune.name or "ancienne commune"
    if commune.kind == CURRENT or not commune.parent:
        return f"{name} ({commune.code})"
    parent = lookup(commune.parent)
    within = f"{parent.name} ({parent.code})" if parent else commune.parent
    kind = _KIND_NAMES.get(commune.kind, commune.kind)
    if commune.kind == "ancienne":
        return f"l'ancienne commune {commune.code}, aujourd'hui dans {within}"
    return f"{name}, {kind} de {within} ({commune.code})"


def check_commune(code: str, name: str | None = None) -> Commune:
    """The commune of a code typed at ``init``: it must exist, and match the name when one is given."""
    normalized = normalize_insee(code)
    found = lookup(normalized)
    if found is None:
        raise InvalidInsee(_unknown_code(normalized))
    if name and found.name and not _same_name(name, found.name):
        served = [c for c in by_postcode(normalized) if words_key(c.name) == words_key(name)]
        postal = (
            f" {normalized} est le code postal de {served[0].name}, dont le code INSEE est {served[0].code}."
            if served
            else " Vérifiez le code (ce n'est pas le code postal) ou le nom."
        )
        raise InvalidInsee(
            f"Le code INSEE {normalized} est celui de {describe(found)}, pas de « {name.strip()} ».{postal} "
            "Sans --nom, le nom officiel est repris de la liste des communes."
        )
    return found


def _same_name(given: str, official: str) -> bool:
    """« L'Abergement » or « Abergement-Clemenciat » name L'Abergement-Clémenciat; « Commune 01001 » not."""
    from difflib import SequenceMatcher

    mine, theirs = words_key(given), words_key(official)
    return bool(mine) and (mine in theirs or SequenceMatcher(None, mine, theirs).ratio() >= 0.8)


def _unknown_code(code: str) -> str:
    served = by_postcode(code)
    if served:
        names = ", ".join(f"{c.name} ({c.code})" for c in served[:6])
        return (
            f"{code} est un code postal, pas un code INSEE. Communes de ce code postal, avec leur "
            f"code INSEE : {names}."
        )
    return (
        f"Aucune commune n'a le code INSEE {code} dans le Code officiel géographique. Vérifiez-le "
        "sur l'avis d'imposition de la mairie, le site de l'INSEE ou auprès de la préfecture."
    )
