"""All SQL of the commune's register. Callers handle validation and transactions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from mairie_cli.models import Cahier, Commune, Contribution, EntryStatus, Nature, Source

CONTRIBUTION_COLUMNS = (
    "c.uuid, c.version, c.cahier_id, c.position, c.page_number, c.written_on, c.nature, "
    "c.text, c.author, c.source, c.created_at, c.updated_at, c.deleted_at, "
    "k.title AS cahier_title, c.page_id, c.status, c.region, c.note"
)
FROM_CONTRIBUTIONS = "FROM contributions c JOIN cahiers k ON k.id = c.cahier_id"

#: Fields of a contribution copied into the journal, before and after each change.
JOURNAL_FIELDS = (
    "uuid", "version", "cahier_id", "position", "page_number", "written_on", "nature",
    "text", "author", "source", "deleted_at", "page_id", "status", "note",
)  # fmt: skip


#: Columns of the rows given to ``RegisterStore.insert_contributions`` (as dict keys).
INSERT_COLUMNS = (
    "uuid", "version", "cahier_id", "position", "page_number", "written_on", "nature",
    "text", "author", "source", "import_key", "created_at", "updated_at", "page_id", "status",
    "region", "note",
)  # fmt: skip
_INSERT_SQL = (
    f"INSERT INTO contributions ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)


def journal_row(entry: dict[str, Any]) -> tuple[Any, ...]:
    """A journal entry as the tuple ``append_journal`` writes (before/after as JSON)."""
    return (
        entry["at"], entry["actor"], entry["action"], entry["entity"], entry["entity_id"],
        entry.get("version"), _json(entry.get("before")), _json(entry.get("after")),
    )  # fmt: skip


class RegisterStore:
    """SQL access to one commune database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- commune -------------------------------------------------------------------------

    def get_commune(self) -> Commune | None:
        row = self.db.execute("SELECT insee, name, department FROM commune").fetchone()
        return Commune(insee=row[0], name=row[1], department=row[2]) if row else None

    def insert_commune(self, commune: Commune, now: str) -> None:
        self.db.execute(
            "INSERT INTO commune (insee, name, department, created_at) VALUES (?, ?, ?, ?)",
            [commune.insee, commune.name, commune.department, now],
        )

    def update_commune(self, commune: Commune) -> None:
        self.db.execute(
            "UPDATE commune SET insee = ?, name = ?, department = ?",
            [commune.insee, commune.name, commune.department],
        )

    # -- cahiers -------------------------------------------------------------------------

    def insert_cahier(self, title: str, opened_on: str | None, notes: str | None, now: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO cahiers (title, opened_on, notes, created_at) VALUES (?, ?, ?, ?)",
            [title, opened_on, notes, now],
        )
        return int(cursor.lastrowid or 0)

    def close_cahier(self, cahier_id: int, closed_on: str) -> None:
        self.db.execute("UPDATE cahiers SET closed_on = ? WHERE id = ?", [closed_on, cahier_id])

    def list_cahiers(self) -> list[Cahier]:
        rows = self.db.execute(
            "SELECT k.id, k.title, k.opened_on, k.closed_on, k.notes, "
            "(SELECT COUNT(*) FROM contributions c WHERE c.cahier_id = k.id "
            " AND c.deleted_at IS NULL) FROM cahiers k ORDER BY k.id"
        ).fetchall()
        return [Cahier(*row) for row in rows]

    def next_position(self, cahier_id: int) -> int:
        row = self.db.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM contributions WHERE cahier_id = ?",
            [cahier_id],
        ).fetchone()
        return int(row[0])

    # -- contributions -------------------------------------------------------------------

    def insert_contributions(self, rows: list[dict[str, Any]]) -> None:
        """Insert rows given by column name (``INSERT_COLUMNS``) and index them for search."""
        first_id = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM contributions").fetchone()[0]
        self.db.conn.executemany(_INSERT_SQL, [tuple(r[c] for c in INSERT_COLUMNS) for r in rows])
        # One statement indexes the whole batch (ids only grow inside our write transaction).
        self.db.execute(
            "INSERT INTO contributions_fts(rowid, text, author) "
            "SELECT id, text, author FROM contributions WHERE id >= ?",
            [first_id],
        )

    def update_contribution(self, uuid: str, changes: dict[str, Any]) -> None:
        """Change some columns and keep the search index in step (tombstones leave it)."""
        old = self.db.execute(
            "SELECT id, text, author, deleted_at FROM contributions WHERE uuid = ?", [uuid]
        ).fetchone()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self.db.execute(f"UPDATE contributions SET {assignments} WHERE uuid = ?", [*changes.values(), uuid])
        new = self.db.execute(
            "SELECT text, author, deleted_at FROM contributions WHERE id = ?", [old[0]]
        ).fetchone()
        if tuple(old[1:]) == tuple(new):
            return
        if old[3] is None:
            self.db.execute(
                "INSERT INTO contributions_fts(contributions_fts, rowid, text, author) "
                "VALUES ('delete', ?, ?, ?)",
                [old[0], old[1], old[2]],
            )
        if new[2] is None:
            self.db.execute(
                "INSERT INTO contributions_fts(rowid, text, author) VALUES (?, ?, ?)",
                [old[0], new[0], new[1]],
            )

    def get_contribution(self, uuid: str) -> Contribution | None:
        row = self.db.execute(
            f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} WHERE c.uuid = ?", [uuid]
        ).fetchone()
        return contribution_from_row(row) if row else None

    def uuids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        # The upper bound keeps the lookup on the unique index (LIKE would scan).
        rows = self.db.execute(
            "SELECT uuid FROM contributions WHERE uuid >= ? AND uuid < ? ORDER BY uuid LIMIT ?",
            [prefix, prefix + "\uffff", limit],
        ).fetchall()
        return [r[0] for r in rows]

    def list_contributions(
        self,
        *,
        cahier_id: int | None = None,
        nature: Nature | None = None,
        source: Source | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> Iterator[Contribution]:
        where, params = _filters(cahier_id, nature, source, include_deleted)
        order = "ORDER BY c.cahier_id, c.position, c.id"
        sql = f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} {where} {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.db.execute(sql, params):
            yield contribution_from_row(row)

    def last_of_page(self, page_id: int) -> Contribution | None:
        """The last live contribution taken from a scanned page, in register order."""
        row = self.db.execute(
            f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} "
            "WHERE c.page_id = ? AND c.deleted_at IS NULL ORDER BY c.position DESC LIMIT 1",
            [page_id],
        ).fetchone()
        return contribution_from_row(row) if row else None

    def last_contribution(self, cahier_id: int) -> Contribution | None:
        row = self.db.execute(
            f"SELECT {CONTRIBUTION_COLUMNS} {FROM_CONTRIBUTIONS} "
            "WHERE c.cahier_id = ? AND c.deleted_at IS NULL ORDER BY c.position DESC, c.id DESC LIMIT 1",
            [cahier_id],
        ).fetchone()
        return contribution_from_row(row) if row else None

    def search(self, fts_query: str, limit: int) -> list[tuple[Contribution, str]]:
        """Matches in the order they were recorded; only live contributions are in the index.

        Not ranked by relevance: BM25 scores every match before keeping the first ones, which
        took 80 ms for a word found in half of 100,000 entries; the index's own order takes 4.
        """
        rows = self.db.execute(
            "WITH hits AS (SELECT rowid, "
            "snippet(contributions_fts, 0, '\x02', '\x03', ' … ', 24) AS snippet "
            "FROM contributions_fts WHERE contributions_fts MATCH ? ORDER BY rowid LIMIT ?) "
            f"SELECT {CONTRIBUTION_COLUMNS}, hits.snippet FROM hits "
            "JOIN contributions c ON c.id = hits.rowid JOIN cahiers k ON k.id = c.cahier_id "
            "ORDER BY hits.rowid",
            [fts_query, limit],
        ).fetchall()
        return [(contribution_from_row(row[:-1]), row[-1]) for row in rows]

    def count_matches(self, fts_query: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM contributions_fts WHERE contributions_fts MATCH ?", [fts_query]
        ).fetchone()
        return int(row[0])

    def counts(self, column: str) -> list[tuple[Any, int]]:
        """Live contributions counted by one column (``cahier_id``, ``nature``, ``source``)."""
        assert column in {"cahier_id", "nature", "source"}
        rows = self.db.execute(
            f"SELECT {column}, COUNT(*) FROM contributions WHERE deleted_at IS NULL "
            f"GROUP BY {column} ORDER BY {column}"
        ).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    def count_drafts(self) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM contributions WHERE status = 'brouillon' AND deleted_at IS NULL"
        ).fetchone()
        return int(row[0])

    def count_deleted(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM contributions WHERE deleted_at IS NOT NULL").fetchone()
        return int(row[0])

    # -- journal and imports -------------------------------------------------------------

    def append_journal(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Append entries made by ``journal_row``."""
        self.db.conn.executemany(
            "INSERT INTO journal (at, actor, action, entity, entity_id, version, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def import_keys(self, cahier_id: int) -> set[str]:
        """Keys of the rows already imported into a cahier (to skip them on a new import)."""
        rows = self.db.execute(
            "SELECT import_key FROM contributions WHERE cahier_id = ? AND import_key IS NOT NULL",
            [cahier_id],
        )
        return {r[0] for r in rows}

    def imported_rows(self, cahier_id: int) -> list[dict[str, Any]]:
        """The rows imported into a cahier: key, UUID, position, text, deletion."""
        rows = self.db.execute(
            "SELECT import_key, uuid, position, text, deleted_at FROM contributions "
            "WHERE cahier_id = ? AND import_key IS NOT NULL",
            [cahier_id],
        )
        keys = ("import_key", "uuid", "position", "text", "deleted_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def journal_for(self, entity: str, entity_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT at, actor, action, version, before, after FROM journal "
            "WHERE entity = ? AND entity_id = ? ORDER BY id",
            [entity, entity_id],
        ).fetchall()
        return [
            {
                "at": r[0], "actor": r[1], "action": r[2], "version": r[3],
                "before": json.loads(r[4]) if r[4] else None,
                "after": json.loads(r[5]) if r[5] else None,
            }
            for r in rows
        ]  # fmt: skip

    def last_change(self) -> str | None:
        row = self.db.execute("SELECT MAX(at) FROM journal").fetchone()
        return row[0] if row else None

    def record_import(self, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO imports (at, file_name, file_sha256, cahier_id, imported, skipped, "
            "mapping) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                row["at"], row["file_name"], row["file_sha256"], row["cahier_id"],
                row["imported"], row["skipped"], json.dumps(row["mapping"], ensure_ascii=False),
            ],
        )  # fmt: skip


def _filters(
    cahier_id: int | None, nature: Nature | None, source: Source | None, include_deleted: bool
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if cahier_id is not None:
        clauses.append("c.cahier_id = ?")
        params.append(cahier_id)
    if nature is not None:
        clauses.append("c.nature = ?")
        params.append(nature.value)
    if source is not None:
        clauses.append("c.source = ?")
        params.append(source.value)
    if not include_deleted:
        clauses.append("c.deleted_at IS NULL")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


_NATURES = {n.value: n for n in Nature}  # a dict lookup: Enum() costs a call per row
_SOURCES = {s.value: s for s in Source}
_STATUSES = {s.value: s for s in EntryStatus}


def contribution_from_row(row: tuple[Any, ...]) -> Contribution:
    return Contribution(
        uuid=row[0],
        version=row[1],
        cahier_id=row[2],
        position=row[3],
        page_number=row[4],
        written_on=row[5],
        nature=_NATURES[row[6]],
        text=row[7],
        author=row[8],
        source=_SOURCES[row[9]],
        created_at=row[10],
        updated_at=row[11],
        deleted_at=row[12],
        cahier_title=row[13],
        page_id=row[14],
        status=_STATUSES[row[15]],
        region=json.loads(row[16]) if row[16] else None,
        note=row[17],
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
