"""All SQL about settings and the ledger of exported bundles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from mairie_cli.models import Contribution
from mairie_cli.storage.commune.register import (
    CONTRIBUTION_COLUMNS,
    FROM_CONTRIBUTIONS,
    contribution_from_row,
)


class ExportStore:
    """Settings, export ledger and the export state of each contribution."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get_config(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_config(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM config WHERE key = ?", [key])
        else:
            self.db.execute(
                "INSERT INTO config (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    def last_export(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT sequence, created_at, digest, files FROM exports ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {"sequence": row[0], "created_at": row[1], "digest": row[2], "files": json.loads(row[3])}

    def exports(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT sequence, created_at, digest, previous_digest, full, encrypted, contributions, "
            "tombstones, files FROM exports ORDER BY sequence"
        ).fetchall()
        keys = ("sequence", "created_at", "digest", "previous_digest", "full", "encrypted",
                "contributions", "tombstones", "files")  # fmt: skip
        return [dict(zip(keys, (*r[:8], json.loads(r[8])), strict=True)) for r in rows]

    def pending(self, full: bool) -> Iterator[Contribution]:
        """Contributions to export, in register order: all, or those changed since last time."""
        for row in self.db.execute(_pending_sql(full, "")):
            yield contribution_from_row(row)

    def pending_found(self, full: bool, rules: str) -> Iterator[tuple[Contribution, tuple[str, str] | None]]:
        """``pending``, each with the finding kept for its current version under ``rules``
        as ``(key, spans)``, if any."""
        sql = _pending_sql(full, _FOUND, ", f.key, f.spans")
        for row in self.db.execute(sql, [rules]):
            yield contribution_from_row(row), None if row[-1] is None else (row[-2], row[-1])

    def pending_ids(self, full: bool) -> list[int]:
        """Row ids of ``pending``, in its order (the export's workers each read a share)."""
        return [int(row[0]) for row in self.db.execute(_pending_sql(full, "", ids=True))]

    def found_by_id(
        self, ids: list[int], rules: str
    ) -> dict[int, tuple[Contribution, tuple[str, str] | None]]:
        """``pending_found``'s contributions with these row ids, by row id."""
        marks = ", ".join("?" * len(ids))
        sql = (
            f"SELECT {CONTRIBUTION_COLUMNS}, f.key, f.spans, c.id {FROM_CONTRIBUTIONS} {_FOUND}"
            f"WHERE c.id IN ({marks})"
        )
        return {
            row[-1]: (contribution_from_row(row), None if row[-2] is None else (row[-3], row[-2]))
            for row in self.db.execute(sql, [rules, *ids])
        }

    def count_unexamined(self, full: bool, rules: str) -> int:
        """How many live contributions ``pending_found`` gives without a finding."""
        sql = _pending_sql(full, _FOUND, count=True) + " AND f.uuid IS NULL AND c.deleted_at IS NULL"
        return int(self.db.execute(sql, [rules]).fetchone()[0])

    def count_pending(self, full: bool) -> int:
        if full:
            sql = "SELECT COUNT(*) FROM contributions WHERE status = 'relue'"
            return int(self.db.execute(sql).fetchone()[0])
        row = self.db.execute(
            "SELECT COUNT(*) FROM contributions c LEFT JOIN export_state e ON e.uuid = c.uuid "
            "WHERE (e.version IS NULL OR e.version < c.version) AND c.status = 'relue'"
        ).fetchone()
        return int(row[0])

    def start_digests(self) -> None:
        """Prepare the scratch table where an export notes the digest of each record it packs."""
        self.db.execute(
            # No index while rows are appended (one per contribution, in no order): it is made
            # once they are all there (``state_digests``): two to three times faster than kept up.
            "CREATE TEMP TABLE IF NOT EXISTS fresh_digests ("
            "uuid TEXT NOT NULL, version INTEGER NOT NULL, digest TEXT NOT NULL, deleted INTEGER NOT NULL)"
        )
        self.db.execute("DROP INDEX IF EXISTS temp.fresh_digests_uuid")
        self.db.execute("DELETE FROM temp.fresh_digests")

    def note_digests(self, rows: list[tuple[str, int, str, int]]) -> None:
        self.db.conn.executemany("INSERT INTO temp.fresh_digests VALUES (?, ?, ?, ?)", rows)

    def state_digests(self) -> Iterator[tuple[str, int, str, int]]:
        """(uuid, version, digest, deleted) of every contribution once this export is applied,
        in UUID order: what was exported before and has not changed, plus what is packed now."""
        # Covering: the rows are then read in UUID order from the index alone, twice as fast
        # as looking each one up in the table (here and in ``record_export``).
        self.db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS temp.fresh_digests_uuid "
            "ON fresh_digests (uuid, version, digest, deleted)"
        )
        self.db.conn.commit()  # the scratch table's inserts; the ledger is written apart
        yield from self.db.execute(
            "SELECT uuid, version, digest, deleted FROM export_state "
            "WHERE uuid NOT IN (SELECT uuid FROM temp.fresh_digests) "
            "UNION ALL SELECT uuid, version, digest, deleted FROM temp.fresh_digests ORDER BY uuid"
        )

    def record_export(self, export: dict[str, Any]) -> None:
        """Write the ledger entry and mark what was packed as exported (in the caller's transaction)."""
        self.db.execute(
            "INSERT INTO exports (sequence, created_at, digest, previous_digest, full, encrypted, "
            "contributions, tombstones, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                export["sequence"], export["created_at"], export["digest"],
                export["previous_digest"], int(export["full"]), int(export["encrypted"]),
                export["contributions"], export["tombstones"],
                json.dumps(export["files"], ensure_ascii=False),
            ],
        )  # fmt: skip
        self.db.execute(
            "INSERT INTO export_state (uuid, version, sequence, digest, deleted) "
            # In the order of the key: each row lands next to the one before.
            "SELECT uuid, version, ?, digest, deleted FROM temp.fresh_digests ORDER BY uuid "
            "ON CONFLICT(uuid) DO UPDATE SET version = excluded.version, "
            "sequence = excluded.sequence, digest = excluded.digest, deleted = excluded.deleted",
            [export["sequence"]],
        )


_FOUND = "LEFT JOIN findings f ON f.uuid = c.uuid AND f.version = c.version AND f.rules = ? "


def _pending_sql(full: bool, join: str, columns: str = "", count: bool = False, ids: bool = False) -> str:
    # OCR drafts leave only once proofread.
    where = (
        "WHERE c.status = 'relue'"
        if full
        else "LEFT JOIN export_state e ON e.uuid = c.uuid "
        "WHERE (e.version IS NULL OR e.version < c.version) AND c.status = 'relue'"
    )
    if count:
        return f"SELECT COUNT(*) FROM contributions c {join}{where}"
    order = "ORDER BY c.cahier_id, c.position, c.id"
    if ids:
        return f"SELECT c.id FROM contributions c {join}{where} {order}"
    return f"SELECT {CONTRIBUTION_COLUMNS}{columns} {FROM_CONTRIBUTIONS} {join}{where} {order}"
