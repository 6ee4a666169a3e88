"""The rows a register writes: a new contribution checked and filled in, its view in the
journal, and the results ``Register`` returns."""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mairie_cli.dates import check_plausible
from mairie_cli.errors import AmbiguousId, EmptyText, InvalidValue, UnknownContribution
from mairie_cli.models import Commune, Contribution, EntryStatus, NewContribution
from mairie_cli.storage.commune.register import JOURNAL_FIELDS
from mairie_cli.textnorm import clean_text
from mairie_cli.workspace import Workspace

MAX_PAGE_NUMBER = 9999
#: Shortest abbreviation of an ID accepted, as git does.
MIN_ID_PREFIX = 4


@dataclass(frozen=True)
class InitResult:
    """What ``Register.init`` did."""

    commune: Commune
    created: bool
    workspace: Workspace
    note: str | None = None  # a code that is not a current commune's: what it is


@dataclass
class PreparedBatch:
    """Rows and journal entries ready to be written (see ``Register.prepare``)."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # by column name
    journal: list[tuple[Any, ...]] = field(default_factory=list)
    uuids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    """Matches of a full-text query in recording order; ``snippet`` marks hits with \\x02 … \\x03."""

    total: int
    hits: list[tuple[Contribution, str]] = field(default_factory=list)


def new_row(entry: NewContribution, cahier_id: int, position: int, stamp: str) -> dict[str, Any]:
    """A new contribution's row, by column name, after checking what the caller gave."""
    text = clean_text(entry.text)
    if not text:
        raise EmptyText("Le texte de la contribution est vide : rien n'a été enregistré.")
    return {
        "uuid": str(uuid_module.uuid4()),
        "version": 1,
        "cahier_id": cahier_id,
        "position": position,
        "page_number": check_page(entry.page_number),
        "written_on": check_plausible(entry.written_on).isoformat() if entry.written_on else None,
        "nature": entry.nature.value,
        "text": text,
        "author": clean_text(entry.author) or None if entry.author else None,
        "source": entry.source.value,
        "import_key": entry.import_key,
        "created_at": stamp,
        "updated_at": stamp,
        "page_id": entry.page_id,
        "status": EntryStatus(entry.status).value,
        "region": json.dumps(entry.region) if entry.region else None,
        "note": clean_text(entry.note) or None if entry.note else None,
    }


def check_page(page: int | None) -> int | None:
    if page is None:
        return None
    if not 1 <= page <= MAX_PAGE_NUMBER:
        raise InvalidValue(
            f"Le numéro de page {page} n'est pas valide : il doit être compris entre 1 et {MAX_PAGE_NUMBER}."
        )
    return page


def pick(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in JOURNAL_FIELDS if k in row}


def journal_view(contribution: Contribution) -> dict[str, Any]:
    data = contribution.to_dict()
    return {k: data[k] for k in JOURNAL_FIELDS}


def resolve_prefix(ident: str, matching: Callable[[str], list[str]]) -> str:
    """The full UUID for an ID or an unambiguous abbreviation of it (at least 4 characters),
    ``matching`` giving the UUIDs that start with a prefix."""
    prefix = ident.strip().lower()
    if len(prefix) < MIN_ID_PREFIX or not re.fullmatch(r"[0-9a-f-]+", prefix):
        raise UnknownContribution(
            f"« {ident} » n'est pas un identifiant de contribution : donnez au moins "
            f"{MIN_ID_PREFIX} caractères de l'identifiant affiché par « mairie liste »."
        )
    matches = matching(prefix)
    if not matches:
        raise UnknownContribution(
            f"Aucune contribution n'a l'identifiant « {ident} ». « mairie liste » ou "
            "« mairie chercher » vous aideront à la retrouver."
        )
    if len(matches) > 1:
        shown = ", ".join(m[:12] for m in matches)
        raise AmbiguousId(
            f"L'identifiant « {ident} » désigne plusieurs contributions ({shown}…) : "
            "tapez quelques caractères de plus."
        )
    return matches[0]
