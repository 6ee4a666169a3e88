"""All SQL of the association's own exports to the national federation: what changed since
the last one, the ledger, and what the federation holds once an export is in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from mairie_cli.storage.association.store import CONTRIBUTION_FIELDS

_CHANGED = (
    "LEFT JOIN export_state e ON e.insee = c.insee AND e.uuid = c.uuid "
    "WHERE e.version IS NULL OR e.version <> c.version OR e.record_digest <> c.digest"
)


class DepartmentExportStore:
    """The ledger of the department's bundles; transactions belong to the caller."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def last_export(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT sequence, created_at, digest FROM exports ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        return None if row is None else {"sequence": row[0], "created_at": row[1], "digest": row[2]}

    def count_pending(self, full: bool) -> int:
        sql = "SELECT count(*) FROM contributions c " + ("" if full else _CHANGED)
        return int(self.db.execute(sql).fetchone()[0])

    def pending(self, full: bool) -> Iterator[tuple[Any, ...]]:
        """Merged contributions to send (``CONTRIBUTION_FIELDS``), by commune and register order:
        all, or those whose version the federation does not hold yet."""
        columns = ", ".join(f"c.{c}" for c in CONTRIBUTION_FIELDS)
        where = "" if full else _CHANGED
        yield from self.db.execute(
            f"SELECT {columns} FROM contributions c {where} ORDER BY c.insee, c.cahier_id, c.position, c.uuid"
        )

    def cahiers(self) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT insee, id, title, opened_on, closed_on, notes FROM cahiers ORDER BY insee, id"
        )
        keys = ("insee", "id", "title", "opened_on", "closed_on", "notes")
        return [dict(zip(keys, row, strict=True)) for row in cursor]

    def received_bundles(self) -> list[dict[str, Any]]:
        """Every commune export received whole: where the merged contributions come from."""
        cursor = self.db.execute(
            "SELECT insee, sequence, parts, full, digest, first_received_at FROM sequences "
            "WHERE digest IS NOT NULL ORDER BY insee, sequence"
        )
        keys = ("insee", "sequence", "parts", "full", "digest", "received_at")
        return [dict(zip(keys, row, strict=True)) for row in cursor]

    def theme_overrides(self) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT insee, uuid, main, secondary, at FROM theme_overrides ORDER BY insee, uuid"
        )
        return [
            {"insee": r[0], "uuid": r[1], "main": r[2], "secondary": json.loads(r[3]), "at": r[4]}
            for r in cursor
        ]

    # -- the state the federation holds -------------------------------------------------

    def start_digests(self) -> None:
        """The scratch table where an export notes what it packs."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS fresh_department ("
            "insee TEXT NOT NULL, uuid TEXT NOT NULL, version INTEGER NOT NULL, "
            "record_digest TEXT NOT NULL, digest TEXT NOT NULL, deleted INTEGER NOT NULL, "
            "PRIMARY KEY (insee, uuid))"
        )
        self.db.execute("DELETE FROM temp.fresh_department")

    def note_digests(self, rows: list[tuple[str, str, int, str, str, int]]) -> None:
        """``(insee, uuid, version, record digest, line digest, deleted)`` of what is packed."""
        self.db.conn.executemany("INSERT INTO temp.fresh_department VALUES (?, ?, ?, ?, ?, ?)", rows)

    def state_digests(self) -> Iterator[tuple[str, int, str, int]]:
        """(commune/uuid, version, digest, deleted) of everything the federation will hold once
        this export is in, in that order: what it held and has not changed, plus what is packed."""
        self.db.conn.commit()  # the scratch table's inserts; the ledger is written apart
        yield from self.db.execute(
            "SELECT insee || '/' || uuid AS id, version, digest, deleted FROM export_state e "
            "WHERE NOT EXISTS (SELECT 1 FROM temp.fresh_department f WHERE f.insee = e.insee "
            "AND f.uuid = e.uuid) UNION ALL SELECT insee || '/' || uuid AS id, version, digest, "
            "deleted FROM temp.fresh_department ORDER BY id"
        )

    def record_export(self, export: dict[str, Any]) -> None:
        """The ledger entry, and what was packed marked as held by the federation."""
        self.db.execute(
            "INSERT INTO exports (sequence, created_at, digest, previous_digest, full, encrypted, "
            "contributions, tombstones, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                export["sequence"], export["created_at"], export["digest"], export["previous_digest"],
                int(export["full"]), int(export["encrypted"]), export["contributions"],
                export["tombstones"], json.dumps(export["files"], ensure_ascii=False),
            ],
        )  # fmt: skip
        self.db.execute(
            "INSERT INTO export_state (insee, uuid, version, record_digest, digest, deleted, sequence) "
            "SELECT insee, uuid, version, record_digest, digest, deleted, ? FROM temp.fresh_department "
            "WHERE true ON CONFLICT (insee, uuid) DO UPDATE SET version = excluded.version, "
            "record_digest = excluded.record_digest, digest = excluded.digest, "
            "deleted = excluded.deleted, sequence = excluded.sequence",
            [export["sequence"]],
        )
