"""What the synthesis reads from an association's database, and the themes it corrects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class SynthesisRow:
    """One live contribution as the synthesis lists it."""

    insee: str
    commune: str | None
    cahier: str | None
    written_on: str | None
    nature: str
    text: str
    uuid: str
    version: int = 1


@dataclass(frozen=True)
class IncludedBundle:
    """One export of a commune that the synthesis includes."""

    insee: str
    sequence: int
    parts: int
    digest: str | None  # None until every part has arrived
    received_at: str | None


class SynthesisStore:
    """The synthesis' queries (all of its SQL lives here)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def count_live(self) -> int:
        """Contributions that are not tombstones."""
        return int(
            self.db.execute("SELECT count(*) FROM contributions WHERE deleted_at IS NULL").fetchone()[0]
        )

    def rows(self) -> Iterator[SynthesisRow]:
        """Every live contribution with its commune's name and cahier's title, in register order."""
        cursor = self.db.execute(
            "SELECT c.insee, m.name, k.title, c.written_on, c.nature, c.text, c.uuid, c.version "
            "FROM contributions c LEFT JOIN communes m ON m.insee = c.insee "
            "LEFT JOIN cahiers k ON k.insee = c.insee AND k.id = c.cahier_id "
            "WHERE c.deleted_at IS NULL ORDER BY c.insee, c.cahier_id, c.position"
        )
        for insee, name, cahier, written, nature, text, uuid, version in cursor:
            yield SynthesisRow(insee, name, cahier, written, nature, text, uuid, version)

    def theme_overrides(self) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        """``(insee, uuid, (main, *secondary))`` for each theme the association chose itself."""
        for insee, uuid, main, secondary in self.db.execute(
            "SELECT insee, uuid, main, secondary FROM theme_overrides"
        ):
            yield insee, uuid, (main, *json.loads(secondary))

    def pages_to_type(self) -> int:
        """Handwritten pages the communes said they have not typed yet, all communes together."""
        row = self.db.execute("SELECT sum(pages_to_type) FROM communes").fetchone()
        return int(row[0] or 0)

    def included_bundles(self) -> list[IncludedBundle]:
        """Every export received (complete or not), by commune and number."""
        cursor = self.db.execute(
            "SELECT s.insee, s.sequence, s.parts, s.digest, max(p.received_at) FROM sequences s "
            "JOIN parts p ON p.insee = s.insee AND p.sequence = s.sequence GROUP BY s.insee, s.sequence "
            "ORDER BY s.insee, s.sequence"
        )
        return [IncludedBundle(*row) for row in cursor]

    def live_with_prefix(self, prefix: str, limit: int = 2) -> list[tuple[str, str]]:
        """``(insee, uuid)`` of live contributions whose UUID starts with ``prefix``."""
        return [
            (insee, uuid)
            for insee, uuid in self.db.execute(
                "SELECT insee, uuid FROM contributions WHERE uuid LIKE ? AND deleted_at IS NULL LIMIT ?",
                [prefix + "%", limit],
            )
        ]

    def releases(self) -> dict[tuple[str, str], int]:
        """``(insee, uuid) -> version`` the association released for the open-data file."""
        return {(i, u): v for i, u, v in self.db.execute("SELECT insee, uuid, version FROM privacy_releases")}

    def release(self, insee: str, uuid: str, at: str, actor: str) -> int:
        """Release the current version of a contribution; returns that version."""
        version = int(
            self.db.execute(
                "SELECT version FROM contributions WHERE insee = ? AND uuid = ?", [insee, uuid]
            ).fetchone()[0]
        )
        self.db.execute(
            "INSERT INTO privacy_releases (insee, uuid, version, at, actor) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (insee, uuid) DO UPDATE SET version = excluded.version, at = excluded.at, "
            "actor = excluded.actor",
            [insee, uuid, version, at, actor],
        )
        return version

    def set_theme(self, insee: str, uuid: str, main: str, secondary: list[str], at: str, actor: str) -> None:
        """Record (or replace) the association's theme for a contribution."""
        self.db.execute(
            "INSERT INTO theme_overrides (insee, uuid, main, secondary, at, actor) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (insee, uuid) DO UPDATE SET main = excluded.main, secondary = excluded.secondary, "
            "at = excluded.at, actor = excluded.actor",
            [insee, uuid, main, json.dumps(secondary), at, actor],
        )
