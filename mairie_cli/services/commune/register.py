"""The commune's register: the library entry point every command calls.

Usable from Python without the command line::

    from mairie_cli.services.commune.register import Register
    with Register.open("/chemin/vers/la/mairie") as register:
        register.add(NewContribution(text="Rouvrir le bureau de poste."))
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.communes import CURRENT, check_commune, describe
from mairie_cli.dates import check_plausible, format_fr
from mairie_cli.errors import (
    DeletedContribution,
    EmptyText,
    InvalidValue,
    UnknownCahier,
    WorkspaceConflict,
)
from mairie_cli.insee import department_of
from mairie_cli.models import Cahier, Commune, Contribution, Nature, NewContribution, Source
from mairie_cli.services.commune.rows import (
    InitResult,
    PreparedBatch,
    SearchResult,
    check_page,
    journal_view,
    new_row,
    pick,
    resolve_prefix,
)
from mairie_cli.storage.commune import open_commune_database
from mairie_cli.storage.commune.exports import ExportStore
from mairie_cli.storage.commune.pages import PageStore
from mairie_cli.storage.commune.privacy import PrivacyStore
from mairie_cli.storage.commune.register import RegisterStore, journal_row
from mairie_cli.storage.commune.search import build_fts_query
from mairie_cli.storage.database import transaction
from mairie_cli.textnorm import clean_text
from mairie_cli.workspace import Workspace, refuse_nested

_KEEP: Any = object()


class Register:
    """One commune's register, opened on its workspace."""

    def __init__(self, workspace: Workspace, db: sqlite_utils.Database) -> None:
        self.workspace = workspace
        self.db = db
        # One store per concern, built once; every use case goes through them.
        self.store = RegisterStore(db)
        self.exports = ExportStore(db)
        self.pages = PageStore(db)
        self.privacy = PrivacyStore(db)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | str | None = None) -> Register:
        """Open an existing workspace (``folder``, ``MAIRIE_DOSSIER`` or the current folder)."""
        workspace = Workspace.find(folder).require()
        return cls(workspace, open_commune_database(workspace.db_path))

    @classmethod
    def init(
        cls, folder: Path | str | None, insee: str, name: str | None = None
    ) -> tuple[Register, InitResult]:
        """Create a commune's workspace, or reopen it: running it twice destroys nothing."""
        official = check_commune(insee, name)
        code = official.code
        name = official.name or (name.strip() if name and name.strip() else None)
        workspace = Workspace.at(folder)
        refuse_nested(workspace.root)
        workspace.create_folders()
        register = cls(workspace, open_commune_database(workspace.db_path))
        existing = register.store.get_commune()
        if existing is not None and existing.insee != code:
            register.close()
            raise WorkspaceConflict(
                f"Ce dossier appartient déjà à la commune {existing.insee}"
                f"{' (' + existing.name + ')' if existing.name else ''}. Rien n'a été modifié. "
                f"Pour une autre commune, choisissez un autre dossier ; si le code était faux, "
                f"corrigez-le avant le premier envoi avec « mairie config commune {code} »."
            )
        created = existing is None
        from mairie_cli.services.commune.keys import CommuneKeys

        keys = CommuneKeys.of(workspace)
        if existing is None:
            keys_created = keys.ensure(code)
        else:  # an existing register keeps its keys: a lost one is never replaced silently
            keys.require(code)
            keys_created = False
        with transaction(register.db):
            if existing is None:
                commune = Commune(insee=code, name=name, department=department_of(code))
                register.store.insert_commune(commune, now_iso())
                register.record_event("init", "commune", code, after=commune.__dict__)
            elif name and name != existing.name:
                register.store.update_commune(Commune(existing.insee, name, existing.department))
                register.record_event(
                    "rename", "commune", code, before={"name": existing.name}, after={"name": name}
                )
            if keys_created:
                public = CommuneKeys.of(workspace).public_key()
                register.record_event("keys", "commune", code, after={"key_id": public.key_id})
        note = None if official.kind == CURRENT else describe(official)
        return register, InitResult(register.commune, created, workspace, note)

    def close(self) -> None:
        """Close the database file."""
        self.db.conn.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def commune(self) -> Commune:
        """The commune this workspace belongs to."""
        commune = self.store.get_commune()
        assert commune is not None, "a workspace always has its commune"
        return commune

    # -- cahiers -------------------------------------------------------------------------

    def open_cahier(self, title: str, opened_on: date | None = None, notes: str | None = None) -> Cahier:
        """Record a new physical register."""
        title = clean_text(title)
        if not title:
            raise InvalidValue("Le titre du cahier est vide : donnez-lui un nom.")
        opened = check_plausible(opened_on).isoformat() if opened_on else None
        with transaction(self.db):
            cahier_id = self.store.insert_cahier(title, opened, notes, now_iso())
            self.record_event(
                "open", "cahier", str(cahier_id),
                after={"title": title, "opened_on": opened, "notes": notes},
            )  # fmt: skip
        return self.cahier(cahier_id)

    def close_cahier(self, cahier_id: int, closed_on: date) -> Cahier:
        """Record the date a register was closed."""
        cahier = self.cahier(cahier_id)
        closed = check_plausible(closed_on)
        if cahier.opened_on and closed.isoformat() < cahier.opened_on:
            raise InvalidValue(
                f"Le cahier a été ouvert le {format_fr(cahier.opened_on)} : il ne peut pas être "
                f"fermé avant, le {format_fr(closed)}."
            )
        with transaction(self.db):
            self.store.close_cahier(cahier.id, closed.isoformat())
            self.record_event(
                "close", "cahier", str(cahier.id),
                before={"closed_on": cahier.closed_on}, after={"closed_on": closed.isoformat()},
            )  # fmt: skip
        return self.cahier(cahier.id)

    def cahiers(self) -> list[Cahier]:
        """Every register, oldest first, with its count of live contributions."""
        return self.store.list_cahiers()

    def cahier(self, cahier_id: int | None = None) -> Cahier:
        """The register numbered ``cahier_id``, or by default the latest one still open."""
        cahiers = self.store.list_cahiers()
        if cahier_id is None:
            still_open = [c for c in cahiers if c.closed_on is None]
            if still_open:
                return still_open[-1]
            raise UnknownCahier(
                "Aucun cahier n'est ouvert. Ouvrez d'abord le cahier, par exemple : "
                'mairie cahier ouvrir "Cahier de doléances".'
            )
        for cahier in cahiers:
            if cahier.id == cahier_id:
                return cahier
        known = ", ".join(str(c.id) for c in cahiers) or "aucun"
        raise UnknownCahier(
            f"Il n'y a pas de cahier n° {cahier_id} (cahiers existants : {known}). "
            "« mairie cahier liste » les montre."
        )

    # -- contributions -------------------------------------------------------------------

    def add(self, entry: NewContribution, cahier_id: int | None = None) -> Contribution:
        """Validate and store one entry, committed before returning."""
        cahier = self.cahier(cahier_id)
        with transaction(self.db):
            batch = self.prepare([entry], cahier.id, self.store.next_position(cahier.id), now_iso())
            self.write(batch)
        return self.get(batch.uuids[0])

    def add_many(self, entries: Iterable[NewContribution], cahier_id: int, *, at: str | None = None) -> int:
        """Store many entries at the end of a cahier; the caller holds the transaction."""
        stamp = at or now_iso()
        position = self.store.next_position(cahier_id)
        count = 0
        chunk: list[NewContribution] = []
        for entry in entries:
            chunk.append(entry)
            if len(chunk) >= 1000:
                count += self.write(self.prepare(chunk, cahier_id, position + count, stamp))
                chunk = []
        return count + self.write(self.prepare(chunk, cahier_id, position + count, stamp))

    def prepare(
        self, entries: list[NewContribution], cahier_id: int, first_position: int, stamp: str
    ) -> PreparedBatch:
        """Check entries and build their rows and journal entries, without touching the database.

        Kept apart from ``write`` so that a bulk import prepares the next batch while SQLite
        writes the previous one.
        """
        actor = current_actor()
        batch = PreparedBatch()
        for offset, entry in enumerate(entries):
            row = new_row(entry, cahier_id, first_position + offset, stamp)
            batch.rows.append(row)
            batch.journal.append(
                journal_row(
                    {
                        "at": stamp, "actor": actor, "action": "create", "entity": "contribution",
                        "entity_id": row["uuid"], "version": 1, "after": pick(row),
                    }
                )
            )  # fmt: skip
            batch.uuids.append(row["uuid"])
        return batch

    def write(self, batch: PreparedBatch) -> int:
        """Store a prepared batch (inside the caller's transaction); returns its size."""
        if batch.rows:
            self.store.insert_contributions(batch.rows)
            self.store.append_journal(batch.journal)
        return len(batch.rows)

    def resolve_id(self, ident: str) -> str:
        """The full UUID for an ID or an unambiguous abbreviation of it (at least 4 characters)."""
        return resolve_prefix(ident, self.store.uuids_with_prefix)

    def get(self, ident: str) -> Contribution:
        """One contribution by ID or abbreviation, tombstones included."""
        found = self.store.get_contribution(self.resolve_id(ident))
        assert found is not None
        return found

    def correct(
        self,
        ident: str,
        *,
        text: str | None = _KEEP,
        nature: Nature = _KEEP,
        written_on: date | None = _KEEP,
        author: str | None = _KEEP,
        page_number: int | None = _KEEP,
        status: str = _KEEP,
        region: dict[str, Any] | None = _KEEP,
        note: str | None = _KEEP,
        joined: bool = False,
    ) -> Contribution | None:
        """Save a new version with the given fields changed; ``None`` when nothing changed.

        The previous version stays in the journal. With ``joined``, in the caller's transaction.
        """
        current = self.get(ident)
        if current.deleted:
            raise DeletedContribution(
                f"La contribution {current.short_id} a été supprimée le "
                f"{format_fr(current.deleted_at)} : elle ne peut plus être corrigée."
            )
        changes: dict[str, Any] = {}
        if text is not _KEEP:
            cleaned = clean_text(text or "")
            if not cleaned:
                raise EmptyText("Le nouveau texte est vide : la contribution n'a pas été modifiée.")
            changes["text"] = cleaned
        if nature is not _KEEP:
            changes["nature"] = nature.value
        if written_on is not _KEEP:
            changes["written_on"] = check_plausible(written_on).isoformat() if written_on else None
        if author is not _KEEP:
            changes["author"] = clean_text(author) or None if author else None
        if page_number is not _KEEP:
            changes["page_number"] = check_page(page_number)
        if status is not _KEEP:
            changes["status"] = status
        if note is not _KEEP:
            changes["note"] = clean_text(note) or None if note else None
        before = journal_view(current)
        changes = {k: v for k, v in changes.items() if before.get(k) != v}
        if region is not _KEEP and region != current.region:
            changes["region"] = json.dumps(region) if region else None
        if not changes:
            return None
        changes["version"] = current.version + 1
        changes["updated_at"] = now_iso()
        with contextlib.nullcontext() if joined else transaction(self.db):
            self.store.update_contribution(current.uuid, changes)
            self.record_event(
                "update", "contribution", current.uuid, version=changes["version"],
                before=before, after={**before, **pick(changes)},
            )  # fmt: skip
        return self.get(current.uuid)

    def new_version(self, uuid: str, reason: str) -> None:
        """A new version with the same content (its exported form changed: it leaves again),
        in the caller's transaction."""
        current = self.get(uuid)
        version = current.version + 1
        self.store.update_contribution(current.uuid, {"version": version, "updated_at": now_iso()})
        view = journal_view(current)
        self.record_event(
            "update", "contribution", current.uuid, version=version,
            before=view, after={**view, "reason": reason},
        )  # fmt: skip

    def delete(self, ident: str) -> Contribution:
        """Turn a contribution into a tombstone: hidden everywhere, kept with its history."""
        current = self.get(ident)
        if current.deleted:
            raise DeletedContribution(
                f"La contribution {current.short_id} est déjà supprimée (le {format_fr(current.deleted_at)})."
            )
        stamp = now_iso()
        version = current.version + 1
        changes: dict[str, Any] = {"deleted_at": stamp, "version": version, "updated_at": stamp}
        before = journal_view(current)
        with transaction(self.db):
            self.store.update_contribution(current.uuid, changes)
            self.record_event(
                "delete", "contribution", current.uuid, version=version,
                before=before, after={**before, **pick(changes)},
            )  # fmt: skip
        return self.get(current.uuid)

    def contributions(
        self,
        *,
        cahier_id: int | None = None,
        nature: Nature | None = None,
        source: Source | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> Iterator[Contribution]:
        """Contributions in register order (cahier, then position), streamed."""
        if cahier_id is not None:
            self.cahier(cahier_id)
        return self.store.list_contributions(
            cahier_id=cahier_id, nature=nature, source=source,
            include_deleted=include_deleted, limit=limit,
        )  # fmt: skip

    def next_position(self, cahier_id: int) -> int:
        """The position the next entry of a cahier will take."""
        return self.store.next_position(cahier_id)

    def last_of_page(self, page_id: int) -> Contribution | None:
        """The last live contribution taken from a scanned page."""
        return self.store.last_of_page(page_id)

    def last_in(self, cahier_id: int) -> Contribution | None:
        """The latest live entry of a cahier (the one « corriger la précédente » fixes)."""
        return self.store.last_contribution(cahier_id)

    def history(self, ident: str) -> list[dict[str, Any]]:
        """Every journal entry of a contribution, oldest first."""
        return self.store.journal_for("contribution", self.resolve_id(ident))

    def search(self, query: str, limit: int = 50) -> SearchResult:
        """Full-text search, accent- and case-insensitive; every word must be present.

        ``"mots entre guillemets"`` searches the exact phrase, ``mot*`` every word starting so.
        """
        fts_query = build_fts_query(query)
        return SearchResult(
            total=self.store.count_matches(fts_query), hits=self.store.search(fts_query, limit)
        )

    # -- journal -------------------------------------------------------------------------

    def record_event(
        self,
        action: str,
        entity: str,
        entity_id: str,
        *,
        version: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry to the journal (inside the caller's transaction)."""
        self.store.append_journal(
            [journal_row({
                "at": now_iso(), "actor": current_actor(), "action": action, "entity": entity,
                "entity_id": entity_id, "version": version, "before": before, "after": after,
            })]
        )  # fmt: skip
