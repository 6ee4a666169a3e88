"""The SQL a receiver of bundles shares at any level (an association receiving its communes,
the national federation receiving its departments): settings, journal, trusted keys, the
ledger of exports received, the quarantine and the problems found.

Both databases lay these tables out alike; only the column naming the sender differs
(``insee`` for a commune, ``department`` for a department), given by ``SENDER``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import sqlite_utils


def dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class ReceiverStore:
    """Reads and writes the receiving tables; transactions belong to the caller."""

    SENDER: ClassVar[str] = "insee"

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- settings and journal -----------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def journal(self, at: str, actor: str, action: str, detail: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO journal (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            [at, actor, action, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
        )

    # -- trusted keys --------------------------------------------------------------------

    def trusted_keys(self, sender: str | None = None) -> list[dict[str, Any]]:
        col = self.SENDER
        where, args = (f"WHERE {col} = ?", [sender]) if sender else ("", [])
        return dicts(
            self.db.execute(
                f"SELECT {col}, key_id, public_key, fingerprint, added_at FROM trusted_keys {where} "
                f"ORDER BY {col}, added_at",
                args,
            )
        )

    def add_trusted_key(self, sender: str, key_id: str, public_key: str, fingerprint: str, at: str) -> bool:
        """True if the key was not trusted for this sender yet."""
        cursor = self.db.execute(
            f"INSERT INTO trusted_keys ({self.SENDER}, key_id, public_key, fingerprint, added_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [sender, key_id, public_key, fingerprint, at],
        )
        return bool(cursor.rowcount)

    def remove_trusted_keys(self, sender: str, key_id: str | None = None) -> int:
        where, args = (f"{self.SENDER} = ? AND key_id = ?", [sender, key_id]) if key_id else (
            f"{self.SENDER} = ?", [sender]
        )  # fmt: skip
        return int(self.db.execute(f"DELETE FROM trusted_keys WHERE {where}", args).rowcount)

    # -- ledger --------------------------------------------------------------------------

    def received_file(self, sha256: str) -> dict[str, Any] | None:
        rows = dicts(
            self.db.execute(
                f"SELECT sha256, {self.SENDER}, sequence, part, file_name, received_at "
                "FROM received_files WHERE sha256 = ?",
                [sha256],
            )
        )
        return rows[0] if rows else None

    def note_received_file(
        self, sha256: str, sender: str, sequence: int, part: int, name: str, at: str
    ) -> None:
        self.db.execute(
            f"INSERT INTO received_files (sha256, {self.SENDER}, sequence, part, file_name, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [sha256, sender, sequence, part, name, at],
        )

    def sequence(self, sender: str, sequence: int) -> dict[str, Any] | None:
        rows = dicts(
            self.db.execute(
                f"SELECT * FROM sequences WHERE {self.SENDER} = ? AND sequence = ?", [sender, sequence]
            )
        )
        return rows[0] if rows else None

    def insert_sequence(self, row: dict[str, Any]) -> None:
        """One export of a sender (its first part received); the sender under its column name."""
        self.db.execute(
            f"INSERT INTO sequences ({self.SENDER}, sequence, parts, previous_digest, state, full, "
            f"key_id, first_received_at) VALUES (:{self.SENDER}, :sequence, :parts, :previous_digest, "
            ":state, :full, :key_id, :first_received_at)",
            row,
        )

    def set_sequence_digest(self, sender: str, sequence: int, digest: str) -> None:
        self.db.execute(
            f"UPDATE sequences SET digest = ? WHERE {self.SENDER} = ? AND sequence = ?",
            [digest, sender, sequence],
        )

    def part(self, sender: str, sequence: int, part: int) -> dict[str, Any] | None:
        rows = dicts(
            self.db.execute(
                f"SELECT * FROM parts WHERE {self.SENDER} = ? AND sequence = ? AND part = ?",
                [sender, sequence, part],
            )
        )
        return rows[0] if rows else None

    def part_digests(self, sender: str, sequence: int) -> list[tuple[int, str]]:
        """(part, tag-manifest digest) of the parts of an export received so far."""
        return [
            (int(r[0]), str(r[1]))
            for r in self.db.execute(
                f"SELECT part, tag_digest FROM parts WHERE {self.SENDER} = ? AND sequence = ? ORDER BY part",
                [sender, sequence],
            )
        ]

    def insert_part(self, row: dict[str, Any]) -> None:
        """One part received; the sender under its column name."""
        self.db.execute(
            f"INSERT INTO parts ({self.SENDER}, sequence, part, tag_digest, file_sha256, file_name, "
            f"archived_as, contributions, tombstones, received_at) VALUES (:{self.SENDER}, :sequence, :part, "
            ":tag_digest, :file_sha256, :file_name, :archived_as, :contributions, :tombstones, "
            ":received_at)",
            row,
        )

    def sequences(self, sender: str) -> list[dict[str, Any]]:
        """Every export of a sender received (even in part), with how many parts are in."""
        col = self.SENDER
        return dicts(
            self.db.execute(
                "SELECT s.sequence, s.parts, s.full, s.state, s.digest, s.first_received_at, "
                f"(SELECT count(*) FROM parts p WHERE p.{col} = s.{col} AND p.sequence = s.sequence) "
                f"AS received, (SELECT max(received_at) FROM parts p WHERE p.{col} = s.{col} "
                "AND p.sequence = s.sequence) AS last_received_at "
                f"FROM sequences s WHERE s.{col} = ? ORDER BY s.sequence",
                [sender],
            )
        )

    # -- quarantine and problems ---------------------------------------------------------

    def quarantine(self, row: dict[str, Any]) -> None:
        """A refused file; the sender (or None) under its column name."""
        self.db.execute(
            f"INSERT INTO quarantine (sha256, file_name, stored_as, {self.SENDER}, sequence, part, code, "
            f"reason, key_file, received_at) VALUES (:sha256, :file_name, :stored_as, :{self.SENDER}, "
            ":sequence, :part, :code, :reason, :key_file, :received_at) "
            "ON CONFLICT(sha256) DO UPDATE SET code = excluded.code, reason = excluded.reason, "
            f"key_file = excluded.key_file, {self.SENDER} = excluded.{self.SENDER}, "
            "sequence = excluded.sequence, part = excluded.part, received_at = excluded.received_at, "
            "released_at = NULL",
            row,
        )

    def release(self, sha256: str, at: str) -> list[str]:
        """Mark a quarantined file as accepted since; returns the files kept for it (its copy,
        and the key it presented)."""
        row = self.db.execute(
            "SELECT stored_as, key_file FROM quarantine WHERE sha256 = ? AND released_at IS NULL", [sha256]
        ).fetchone()
        if row is None:
            return []
        self.db.execute("UPDATE quarantine SET released_at = ? WHERE sha256 = ?", [at, sha256])
        return [str(f) for f in row if f]

    def quarantined(self) -> list[dict[str, Any]]:
        """Files in quarantine, with who they claim to come from."""
        return dicts(
            self.db.execute(
                f"SELECT sha256, file_name, stored_as, {self.SENDER}, sequence, part, code, "
                "reason, key_file, received_at FROM quarantine WHERE released_at IS NULL "
                "ORDER BY received_at, id"
            )
        )

    def add_problem(self, sender: str, sequence: int | None, code: str, message: str, at: str) -> None:
        self.db.execute(
            f"INSERT INTO problems ({self.SENDER}, sequence, code, message, at) VALUES (?, ?, ?, ?, ?)",
            [sender, sequence, code, message, at],
        )
