"""All SQL of an association's database: trust, communes, merged contributions, ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mairie_cli.storage.receiver import ReceiverStore, dicts

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


class AssociationStore(ReceiverStore):
    """Reads and writes an association's database (its senders are communes, by INSEE code);
    transactions belong to the caller."""

    SENDER = "insee"

    # -- communes ------------------------------------------------------------------------

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

    # -- status --------------------------------------------------------------------------

    def communes(self) -> list[dict[str, Any]]:
        """Every commune known (listed or heard from), with its counts."""
        return dicts(
            self.db.execute(
                "SELECT c.insee, c.name, c.population, c.listed, c.state_status, c.state_sequence, "
                "(SELECT count(*) FROM contributions k WHERE k.insee = c.insee "
                "AND k.deleted_at IS NULL) AS contributions, "
                "(SELECT max(received_at) FROM parts p WHERE p.insee = c.insee) AS last_received_at "
                "FROM communes c ORDER BY c.insee"
            )
        )
