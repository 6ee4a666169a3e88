"""All SQL of the national federation's database: departments, the communes they speak for,
merged contributions with their provenance; the receiving tables come from ``ReceiverStore``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from mairie_cli.storage.receiver import ReceiverStore, dicts

#: Columns of a merged contribution (the keys of the rows ``upsert_contributions`` takes).
CONTRIBUTION_FIELDS = (
    "insee", "uuid", "version", "digest", "commune_digest", "department", "department_sequence",
    "envoi", "cahier_id", "position", "page_number", "written_on", "nature", "text", "author",
    "source", "scan_file", "scan_page", "created_at", "updated_at", "deleted_at", "note",
    "theme_main", "theme_secondary", "theme_score", "taxonomy_digest",
)  # fmt: skip
_UPDATED = [f for f in CONTRIBUTION_FIELDS if f not in ("insee", "uuid")]
# As at the association: the highest version wins, a tie is settled by the commune's digest.
_UPSERT_CONTRIBUTION = (
    f"INSERT INTO contributions ({', '.join(CONTRIBUTION_FIELDS)}) "
    f"VALUES ({', '.join('?' * len(CONTRIBUTION_FIELDS))}) "
    "ON CONFLICT (insee, uuid) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in _UPDATED)
    + " WHERE excluded.version > contributions.version OR (excluded.version = contributions.version "
    "AND excluded.commune_digest > contributions.commune_digest)"
)
COMMUNE_FIELDS = ("insee", "name", "population", "listed", "heard", "state", "keys", "bundles")


def _prefix_range(department: str) -> tuple[str, str]:
    """The INSEE codes of a department (its number is their prefix), as a key range."""
    return department, department + "\uffff"


class NationalStore(ReceiverStore):
    """Reads and writes the federation's database (its senders are departments); transactions
    belong to the caller."""

    SENDER = "department"

    # -- departments and their communes -------------------------------------------------

    def note_department(self, department: str, association: str | None) -> None:
        self.db.execute(
            "INSERT INTO departments (department, association) VALUES (?, ?) "
            "ON CONFLICT(department) DO UPDATE SET "
            "association = coalesce(excluded.association, departments.association)",
            [department, association],
        )

    def describe_department(
        self, department: str, sequence: int, coverage: dict[str, Any], pages_to_type: int | None
    ) -> bool:
        """Keep what a department's export says of its coverage, unless a later export already
        said it; returns whether it was kept."""
        cursor = self.db.execute(
            "UPDATE departments SET coverage = ?, pages_to_type = ?, described_sequence = ? "
            "WHERE department = ? AND (described_sequence IS NULL OR described_sequence <= ?)",
            [json.dumps(coverage, sort_keys=True), pages_to_type, sequence, department, sequence],
        )
        return bool(cursor.rowcount)

    def claims(self, codes: Iterable[str], department: str) -> dict[str, str]:
        """Among ``codes``, the communes another department already speaks for (code → it)."""
        found: dict[str, str] = {}
        wanted = sorted(set(codes))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(
                self.db.execute(
                    f"SELECT insee, department FROM communes WHERE insee IN ({', '.join('?' * len(chunk))}) "
                    "AND department <> ?",
                    [*chunk, department],
                ).fetchall()
            )
        return found

    def replace_communes(self, department: str, sequence: int, rows: list[dict[str, Any]]) -> None:
        """The communes as a department's export describes them (a later description wins)."""
        self.db.conn.executemany(
            "INSERT INTO communes (insee, department, name, population, listed, heard, state, keys, "
            "bundles, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(insee) DO UPDATE SET "
            "name = excluded.name, population = excluded.population, listed = excluded.listed, "
            "heard = excluded.heard, state = excluded.state, keys = excluded.keys, "
            "bundles = excluded.bundles, sequence = excluded.sequence "
            "WHERE excluded.sequence >= communes.sequence AND communes.department = excluded.department",
            [
                (r["insee"], department, r["name"], r["population"], int(r["listed"]), int(r["heard"]),
                 r["state"], json.dumps(r["keys"]), json.dumps(r["bundles"]), sequence)
                for r in rows
            ],
        )  # fmt: skip

    def set_state_status(self, department: str, status: str, sequence: int, at: str) -> None:
        self.db.execute(
            "UPDATE departments SET state_status = ?, state_sequence = ?, state_checked_at = ? "
            "WHERE department = ?",
            [status, sequence, at, department],
        )

    # -- merged data ---------------------------------------------------------------------

    def upsert_contributions(self, rows: list[tuple[Any, ...]]) -> None:
        """Merge contributions given as tuples in ``CONTRIBUTION_FIELDS`` order."""
        self.db.conn.executemany(_UPSERT_CONTRIBUTION, rows)

    def upsert_cahiers(self, sequence: int, cahiers: list[dict[str, Any]]) -> None:
        self.db.conn.executemany(
            "INSERT INTO cahiers (insee, id, title, opened_on, closed_on, notes, sequence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (insee, id) DO UPDATE SET "
            "title = excluded.title, opened_on = excluded.opened_on, closed_on = excluded.closed_on, "
            "notes = excluded.notes, sequence = excluded.sequence "
            "WHERE excluded.sequence >= cahiers.sequence",
            [
                (c["insee"], c["id"], c["title"], c.get("opened_on"), c.get("closed_on"), c.get("notes"),
                 sequence)
                for c in cahiers
            ],
        )  # fmt: skip

    def upsert_theme_overrides(self, department: str, rows: list[dict[str, Any]]) -> None:
        self.db.conn.executemany(
            "INSERT INTO theme_overrides (insee, uuid, main, secondary, department, at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (insee, uuid) DO UPDATE SET main = excluded.main, "
            "secondary = excluded.secondary, at = excluded.at",
            [
                (r["insee"], r["uuid"], r["main"], json.dumps(r["secondary"]), department, r.get("at"))
                for r in rows
            ],
        )

    def state_digests(self, department: str) -> Iterator[tuple[str, int, str, int]]:
        """(commune/uuid, version, line digest, deleted) of what a department sent, in order."""
        low, high = _prefix_range(department)
        yield from self.db.execute(
            "SELECT insee || '/' || uuid, version, digest, deleted_at IS NOT NULL FROM contributions "
            "WHERE insee >= ? AND insee < ? AND department = ? ORDER BY insee, uuid",
            [low, high, department],
        )

    # -- status --------------------------------------------------------------------------

    def departments(self) -> list[dict[str, Any]]:
        """Every department trusted or heard from, with its counts."""
        return dicts(
            self.db.execute(
                "SELECT d.department, d.association, d.coverage, d.pages_to_type, d.state_status, "
                "d.state_sequence, (SELECT max(received_at) FROM parts p "
                "WHERE p.department = d.department) AS last_received_at, "
                "(SELECT count(*) FROM communes c WHERE c.department = d.department AND c.heard) "
                "AS communes_heard FROM departments d ORDER BY d.department"
            )
        )

    def live_counts(self) -> dict[str, int]:
        """Contributions held (not deleted), by department."""
        return dict(
            self.db.execute(
                "SELECT department, count(*) FROM contributions WHERE deleted_at IS NULL GROUP BY department"
            ).fetchall()
        )

    # -- what the national synthesis reads ---------------------------------------------

    def count_live(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM contributions WHERE deleted_at IS NULL").fetchone()[0]
        )

    def live_by_commune(self) -> list[tuple[str, int]]:
        """(insee, live contributions) of every commune heard, in INSEE order."""
        return self.db.execute(
            "SELECT insee, count(*) FROM contributions WHERE deleted_at IS NULL GROUP BY insee ORDER BY insee"
        ).fetchall()

    def synthesis_rows(self, first: str, last: str) -> list[tuple[Any, ...]]:
        """Live contributions of the communes ``first`` to ``last`` (INSEE order), by commune and
        register order: (department, insee, uuid, department bundle, commune bundle, date,
        nature, text, and the themes stored when it was received: main, secondary as JSON,
        score, taxonomy digest)."""
        return self.db.execute(
            "SELECT department, insee, uuid, department_sequence, envoi, written_on, nature, text, "
            "theme_main, theme_secondary, theme_score, taxonomy_digest "
            "FROM contributions WHERE insee BETWEEN ? AND ? AND deleted_at IS NULL "
            "ORDER BY insee, cahier_id, position, uuid",
            [first, last],
        ).fetchall()

    def store_themes(self, rows: list[tuple[str, str, float, str, str, str]]) -> None:
        """Store themes worked out again: (main, secondary as JSON, score, taxonomy digest,
        insee, uuid)."""
        self.db.conn.executemany(
            "UPDATE contributions SET theme_main = ?, theme_secondary = ?, theme_score = ?, "
            "taxonomy_digest = ? WHERE insee = ? AND uuid = ?",
            rows,
        )

    def theme_decisions(self) -> Iterator[tuple[str, str, str, str]]:
        """The associations' theme decisions: (insee, uuid, main, secondary as JSON)."""
        yield from self.db.execute("SELECT insee, uuid, main, secondary FROM theme_overrides")

    def communes(self) -> list[dict[str, Any]]:
        """Every commune a department spoke for: department, name, population, listed, heard."""
        return dicts(
            self.db.execute(
                "SELECT insee, department, name, population, listed, heard FROM communes ORDER BY insee"
            )
        )
