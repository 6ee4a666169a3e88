"""All SQL about the secretary's personal-data decisions."""

from __future__ import annotations

from typing import Any

import sqlite_utils


class PrivacyStore:
    """Decisions (« garder », « masquer ») for the whole commune or one contribution, and what
    the rules found in each contribution."""

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

    def start_fresh_findings(self) -> None:
        """Prepare the scratch table where what is examined during a read is noted (``findings``
        itself is read meanwhile: it is written once the read is over, by ``keep_fresh_findings``)."""
        self.db.execute(
            # No index: rows are only appended, then copied once (each contribution at most once).
            "CREATE TEMP TABLE IF NOT EXISTS fresh_findings (uuid TEXT NOT NULL, version INTEGER "
            "NOT NULL, rules TEXT NOT NULL, key TEXT NOT NULL, spans TEXT NOT NULL)"
        )
        self.db.execute("DELETE FROM temp.fresh_findings")

    def note_fresh_findings(self, rows: list[tuple[str, int, str, str, str]]) -> None:
        """Note ``(uuid, version, rules digest, key, spans)``."""
        self.db.conn.executemany("INSERT INTO temp.fresh_findings VALUES (?, ?, ?, ?, ?)", rows)

    def keep_fresh_findings(self) -> None:
        """Keep what was noted, replacing what was kept before, and commit (a kept finding is
        valid whatever becomes of the command that examined it)."""
        self.db.execute(
            "INSERT INTO findings (uuid, version, rules, key, spans) SELECT uuid, version, rules, key, "
            # In the order of the key: each row lands next to the one before (twice as fast).
            "spans FROM temp.fresh_findings ORDER BY uuid ON CONFLICT(uuid) DO UPDATE SET "
            "version = excluded.version, rules = excluded.rules, key = excluded.key, spans = excluded.spans"
        )
        self.db.execute("DELETE FROM temp.fresh_findings")
        self.db.conn.commit()
