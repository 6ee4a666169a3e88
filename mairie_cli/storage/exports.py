"""All SQL about settings and the ledger of exported bundles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from mairie_cli.models import Contribution
from mairie_cli.storage.register import CONTRIBUTION_COLUMNS, FROM_CONTRIBUTIONS, contribution_from_row


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
        where = (
            ""
            if full
            else "LEFT JOIN export_state e ON e.uuid = c.uuid "
            "WHERE e.version IS NULL OR e.version < c.version"
        )
        sql = f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} {where} ORDER BY c.cahier_id, c.position"
        for row in self.db.execute(sql):
            yield contribution_from_row(row)

    def count_pending(self, full: bool) -> int:
        if full:
            return int(self.db.execute("SELECT COUNT(*) FROM contributions").fetchone()[0])
        row = self.db.execute(
            "SELECT COUNT(*) FROM contributions c LEFT JOIN export_state e ON e.uuid = c.uuid "
            "WHERE e.version IS NULL OR e.version < c.version"
        ).fetchone()
        return int(row[0])

    def everything_by_uuid(self) -> Iterator[Contribution]:
        """Every contribution, tombstones included, in UUID order (for the state summary)."""
        for row in self.db.execute(f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} ORDER BY c.uuid"):
            yield contribution_from_row(row)

    def record_export(self, export: dict[str, Any], exported: Iterable[tuple[str, int]]) -> None:
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
        self.db.conn.executemany(
            "INSERT INTO export_state (uuid, version, sequence) VALUES (?, ?, ?) "
            "ON CONFLICT(uuid) DO UPDATE SET version = excluded.version, sequence = excluded.sequence",
            ((uuid, version, export["sequence"]) for uuid, version in exported),
        )
