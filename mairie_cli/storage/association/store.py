"""All SQL of an association's database: trust, communes, merged contributions, ledger."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

#: Columns of a merged contribution (the keys of the rows ``upsert_contributions`` takes).
CONTRIBUTION_FIELDS = (
    "insee", "uuid", "version", "digest", "cahier_id", "position", "page_number", "written_on",
    "nature", "text", "author", "source", "scan_file", "scan_page", "created_at", "updated_at",
    "deleted_at", "sequence", "note",
)  # fmt: skip
_UPDATED = [f for f in CONTRIBUTION_FIELDS if f not in ("insee", "uuid")]
# The highest version wins; two different records of the same version (which a commune never
# sends) are settled by their digest, so that the order of arrival never matters.
_UPSERT_CONTRIBUTION = (
    f"INSERT INTO contributions ({', '.join(CONTRIBUTION_FIELDS)}) "
    f"VALUES ({', '.join('?' * len(CONTRIBUTION_FIELDS))}) "
    "ON CONFLICT (insee, uuid) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in _UPDATED)
    + " WHERE excluded.version > contributions.version OR (excluded.version = contributions.version "
    "AND excluded.digest > contributions.digest)"
)


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class AssociationStore:
    """Reads and writes an association's database; transactions belong to the caller."""

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

    # -- trusted keys and communes -------------------------------------------------------

    def trusted_keys(self, insee: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE insee = ?", [insee]) if insee else ("", [])
        return _dicts(
            self.db.execute(
                f"SELECT insee, key_id, public_key, fingerprint, added_at FROM trusted_keys {where} "
                "ORDER BY insee, added_at",
                args,
            )
        )

    def add_trusted_key(self, insee: str, key_id: str, public_key: str, fingerprint: str, at: str) -> bool:
        """True if the key was not trusted for this commune yet."""
        cursor = self.db.execute(
            "INSERT INTO trusted_keys (insee, key_id, public_key, fingerprint, added_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [insee, key_id, public_key, fingerprint, at],
        )
        return bool(cursor.rowcount)

    def remove_trusted_keys(self, insee: str, key_id: str | None = None) -> int:
        if key_id:
            cursor = self.db.execute(
                "DELETE FROM trusted_keys WHERE insee = ? AND key_id = ?", [insee, key_id]
            )
        else:
            cursor = self.db.execute("DELETE FROM trusted_keys WHERE insee = ?", [insee])
        return int(cursor.rowcount)

    def note_commune(self, insee: str, name: str | None) -> None:
        """Record a commune met in a bundle (its name as the bundle gives it, if none is known)."""
        self.db.execute(
            "INSERT INTO communes (insee, name) VALUES (?, ?) "
            "ON CONFLICT(insee) DO UPDATE SET name = coalesce(communes.name, excluded.name)",
            [insee, name or None],
        )

    def list_communes(self, rows: Iterable[tuple[str, str | None, int | None]]) -> int:
        """Mark communes as part of the department's list (name and population if given)."""
        count = 0
        for insee, name, population in rows:
            self.db.execute(
                "INSERT INTO communes (insee, name, population, listed) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(insee) DO UPDATE SET listed = 1, "
                "name = coalesce(excluded.name, communes.name), "
                "population = coalesce(excluded.population, communes.population)",
                [insee, name, population],
            )
            count += 1
        return count

    def note_successors(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Old codes of merged communes and the commune each belongs to now."""
        count = 0
        for old, current in pairs:
            self.db.execute(
                "INSERT INTO commune_successors (old, current) VALUES (?, ?) "
                "ON CONFLICT(old) DO UPDATE SET current = excluded.current",
                [old, current],
            )
            count += 1
        return count

    def successors(self) -> dict[str, str]:
        """Old code -> the code of the commune it belongs to today (merges followed to the end)."""
        direct = dict(self.db.execute("SELECT old, current FROM commune_successors").fetchall())
        resolved = {}
        for old in direct:
            current, seen = direct[old], {old}
            while current in direct and current not in seen:  # merged again later
                seen.add(current)
                current = direct[current]
            resolved[old] = current
        return resolved

    def note_pages_to_type(self, insee: str, sequence: int, pages: int) -> None:
        """Handwritten pages not typed yet, as the commune's latest export says."""
        self.db.execute(
            "UPDATE communes SET pages_to_type = ?, pages_sequence = ? WHERE insee = ? "
            "AND (pages_sequence IS NULL OR pages_sequence <= ?)",
            [pages, sequence, insee, sequence],
        )

    def set_state_status(self, insee: str, status: str, sequence: int, at: str) -> None:
        self.db.execute(
            "UPDATE communes SET state_status = ?, state_sequence = ?, state_checked_at = ? WHERE insee = ?",
            [status, sequence, at, insee],
        )

    # -- ledger --------------------------------------------------------------------------

    def received_file(self, sha256: str) -> dict[str, Any] | None:
        rows = _dicts(self.db.execute("SELECT * FROM received_files WHERE sha256 = ?", [sha256]))
        return rows[0] if rows else None

    def note_received_file(
        self, sha256: str, insee: str, sequence: int, part: int, name: str, at: str
    ) -> None:
        self.db.execute(
            "INSERT INTO received_files (sha256, insee, sequence, part, file_name, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [sha256, insee, sequence, part, name, at],
        )

    def sequence(self, insee: str, sequence: int) -> dict[str, Any] | None:
        rows = _dicts(
            self.db.execute("SELECT * FROM sequences WHERE insee = ? AND sequence = ?", [insee, sequence])
        )
        return rows[0] if rows else None

    def insert_sequence(self, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO sequences (insee, sequence, parts, previous_digest, state, full, key_id, "
            "first_received_at) VALUES (:insee, :sequence, :parts, :previous_digest, :state, :full, "
            ":key_id, :first_received_at)",
            row,
        )

    def set_sequence_digest(self, insee: str, sequence: int, digest: str) -> None:
        self.db.execute(
            "UPDATE sequences SET digest = ? WHERE insee = ? AND sequence = ?", [digest, insee, sequence]
        )

    def part(self, insee: str, sequence: int, part: int) -> dict[str, Any] | None:
        rows = _dicts(
            self.db.execute(
                "SELECT * FROM parts WHERE insee = ? AND sequence = ? AND part = ?",
                [insee, sequence, part],
            )
        )
        return rows[0] if rows else None

    def part_digests(self, insee: str, sequence: int) -> list[tuple[int, str]]:
        """(part, tag-manifest digest) of the parts of an export received so far."""
        return [
            (int(r[0]), str(r[1]))
            for r in self.db.execute(
                "SELECT part, tag_digest FROM parts WHERE insee = ? AND sequence = ? ORDER BY part",
                [insee, sequence],
            )
        ]

    def insert_part(self, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO parts (insee, sequence, part, tag_digest, file_sha256, file_name, archived_as, "
            "contributions, tombstones, received_at) VALUES (:insee, :sequence, :part, :tag_digest, "
            ":file_sha256, :file_name, :archived_as, :contributions, :tombstones, :received_at)",
            row,
        )

    def sequences(self, insee: str) -> list[dict[str, Any]]:
        """Every export of a commune received (even in part), with how many parts are in."""
        return _dicts(
            self.db.execute(
                "SELECT s.sequence, s.parts, s.full, s.state, s.digest, s.first_received_at, "
                "(SELECT count(*) FROM parts p WHERE p.insee = s.insee AND p.sequence = s.sequence) "
                "AS received, (SELECT max(received_at) FROM parts p WHERE p.insee = s.insee "
                "AND p.sequence = s.sequence) AS last_received_at "
                "FROM sequences s WHERE s.insee = ? ORDER BY s.sequence",
                [insee],
            )
        )

    # -- merged data ---------------------------------------------------------------------

    def upsert_contributions(self, rows: list[dict[str, Any]]) -> None:
        """Merge contributions given by column name (``CONTRIBUTION_FIELDS``): the highest
        version of each wins."""
        self.db.conn.executemany(
            _UPSERT_CONTRIBUTION, [tuple(r[f] for f in CONTRIBUTION_FIELDS) for r in rows]
        )

    def upsert_cahiers(self, insee: str, sequence: int, cahiers: list[dict[str, Any]]) -> None:
        """Cahier descriptions: the one from the latest export wins."""
        self.db.conn.executemany(
            "INSERT INTO cahiers (insee, id, title, opened_on, closed_on, notes, sequence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (insee, id) DO UPDATE SET "
            "title = excluded.title, opened_on = excluded.opened_on, closed_on = excluded.closed_on, "
            "notes = excluded.notes, sequence = excluded.sequence "
            "WHERE excluded.sequence >= cahiers.sequence",
            [
                (insee, c["id"], c["title"], c.get("opened_on"), c.get("closed_on"), c.get("notes"), sequence)
                for c in cahiers
            ],
        )

    def note_scans(self, insee: str, files: list[str], part_sha256: str) -> None:
        self.db.conn.executemany(
            "INSERT INTO scans (insee, file, part_sha256) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(insee, f, part_sha256) for f in files],
        )

    def state_digests(self, insee: str) -> Iterator[tuple[str, int, str, int]]:
        """(uuid, version, digest, deleted) of a commune's contributions, in UUID order."""
        yield from self.db.execute(
            "SELECT uuid, version, digest, deleted_at IS NOT NULL FROM contributions "
            "WHERE insee = ? ORDER BY uuid",
            [insee],
        )

    # -- quarantine and problems ---------------------------------------------------------

    def quarantine(self, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO quarantine (sha256, file_name, stored_as, insee, sequence, part, code, "
            "reason, key_file, received_at) VALUES (:sha256, :file_name, :stored_as, :insee, "
            ":sequence, :part, :code, :reason, :key_file, :received_at) "
            "ON CONFLICT(sha256) DO UPDATE SET code = excluded.code, reason = excluded.reason, "
            "key_file = excluded.key_file, insee = excluded.insee, sequence = excluded.sequence, "
            "part = excluded.part, received_at = excluded.received_at, released_at = NULL",
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
        return _dicts(
            self.db.execute(
                "SELECT sha256, file_name, stored_as, insee, sequence, part, code, reason, key_file, "
                "received_at FROM quarantine WHERE released_at IS NULL ORDER BY received_at, id"
            )
        )

    def add_problem(self, insee: str, sequence: int | None, code: str, message: str, at: str) -> None:
        self.db.execute(
            "INSERT INTO problems (insee, sequence, code, message, at) VALUES (?, ?, ?, ?, ?)",
            [insee, sequence, code, message, at],
        )

    # -- status --------------------------------------------------------------------------

    def communes(self) -> list[dict[str, Any]]:
        """Every commune known (listed or heard from), with its counts."""
        return _dicts(
            self.db.execute(
                "SELECT c.insee, c.name, c.population, c.listed, c.state_status, c.state_sequence, "
                "(SELECT count(*) FROM contributions k WHERE k.insee = c.insee "
                "AND k.deleted_at IS NULL) AS contributions, "
                "(SELECT max(received_at) FROM parts p WHERE p.insee = c.insee) AS last_received_at "
                "FROM communes c ORDER BY c.insee"
            )
        )
