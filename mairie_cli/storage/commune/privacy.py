"""All SQL about the secretary's personal-data decisions."""

from __future__ import annotations

from typing import Any

import sqlite_utils


class PrivacyStore:
    """Decisions (« garder », « masquer ») for the whole commune or one contribution."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def choices(self) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT id, uuid, term, folded, decision, kind, created_at FROM privacy_choices ORDER BY id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def set_choice(
        self, uuid: str | None, term: str, folded: str, decision: str, kind: str | None, at: str
    ) -> None:
        """Record a decision; a later one about the same term and scope replaces it."""
        self.db.execute(
            "DELETE FROM privacy_choices WHERE coalesce(uuid, '') = ? AND folded = ?", [uuid or "", folded]
        )
        self.db.execute(
            "INSERT INTO privacy_choices (uuid, term, folded, decision, kind, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [uuid, term, folded, decision, kind, at],
        )

    def forget(self, uuid: str | None, folded: str) -> int:
        cursor = self.db.execute(
            "DELETE FROM privacy_choices WHERE coalesce(uuid, '') = ? AND folded = ?", [uuid or "", folded]
        )
        return int(cursor.rowcount)

    def exported_live_with(self, term: str, uuid: str | None = None) -> list[tuple[str, str]]:
        """(uuid, text) of live contributions holding ``term`` (accents and case aside) whose
        current version was already exported."""
        phrase = '"' + term.replace('"', '""') + '"'
        sql = (
            "SELECT c.uuid, c.text FROM contributions_fts f JOIN contributions c ON c.id = f.rowid "
            "JOIN export_state e ON e.uuid = c.uuid WHERE contributions_fts MATCH ? "
            "AND c.deleted_at IS NULL AND c.status = 'relue' AND e.version = c.version"
        )
        args = ["text : " + phrase]
        if uuid is not None:
            sql += " AND c.uuid = ?"
            args.append(uuid)
        return [(str(r[0]), str(r[1])) for r in self.db.execute(sql, args)]
