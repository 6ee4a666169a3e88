"""Numbered schema migrations of an association's database. Never edit one that has shipped.

The association keeps what its communes hold (contributions by commune and UUID, the highest
version winning), the ledger of every bundle part received, the keys it trusts, its
quarantine, and the problems a reception found.
"""

from __future__ import annotations

import sqlite_utils

from mairie_cli.storage.schema import Migration, Schema

#: Written in every association database: a commune's base is told apart from it.
APPLICATION_ID = 0x4D414941  # "MAIA"


def m001_association(db: sqlite_utils.Database) -> None:
    """Settings, trusted keys, communes, merged contributions, ledger, quarantine, problems."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in [
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # The communes of the department: loaded from a list, or met in a bundle.
        """CREATE TABLE communes (
            insee TEXT PRIMARY KEY,
            name TEXT,
            population INTEGER,
            listed INTEGER NOT NULL DEFAULT 0,
            state_status TEXT,
            state_sequence INTEGER,
            state_checked_at TEXT
        )""",
        # Keys trusted for a commune (after comparing the fingerprint over the phone).
        """CREATE TABLE trusted_keys (
            insee TEXT NOT NULL,
            key_id TEXT NOT NULL,
            public_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (insee, key_id)
        )""",
        """CREATE TABLE cahiers (
            insee TEXT NOT NULL,
            id INTEGER NOT NULL,
            title TEXT NOT NULL,
            opened_on TEXT,
            closed_on TEXT,
            notes TEXT,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (insee, id)
        )""",
        # One row per contribution of each commune, at the highest version received; the
        # digest is that of the exported record, so the commune's state summary can be
        # recomputed here.
        """CREATE TABLE contributions (
            insee TEXT NOT NULL,
            uuid TEXT NOT NULL,
            version INTEGER NOT NULL,
            digest TEXT NOT NULL,
            cahier_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            page_number INTEGER,
            written_on TEXT,
            nature TEXT NOT NULL,
            text TEXT,
            author TEXT,
            source TEXT NOT NULL,
            scan_file TEXT,
            scan_page INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (insee, uuid)
        ) WITHOUT ROWID""",
        # Page images that travelled in a bundle: which archived part holds them.
        """CREATE TABLE scans (
            insee TEXT NOT NULL,
            file TEXT NOT NULL,
            part_sha256 TEXT NOT NULL,
            PRIMARY KEY (insee, file)
        )""",
        # One row per export of a commune once a part of it arrived; its digest (which the
        # next export names as « previous ») is known once every part is in.
        """CREATE TABLE sequences (
            insee TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            parts INTEGER NOT NULL,
            previous_digest TEXT NOT NULL,
            state TEXT NOT NULL,
            full INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            digest TEXT,
            first_received_at TEXT NOT NULL,
            PRIMARY KEY (insee, sequence)
        )""",
        """CREATE TABLE parts (
            insee TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            part INTEGER NOT NULL,
            tag_digest TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            file_name TEXT NOT NULL,
            archived_as TEXT NOT NULL,
            contributions INTEGER NOT NULL,
            tombstones INTEGER NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (insee, sequence, part)
        )""",
        # Every file received that was applied or recognised as a copy of an applied part:
        # the same file again is a duplicate without being opened.
        """CREATE TABLE received_files (
            sha256 TEXT PRIMARY KEY,
            insee TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            part INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            received_at TEXT NOT NULL
        )""",
        """CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            file_name TEXT NOT NULL,
            stored_as TEXT NOT NULL,
            insee TEXT,
            sequence INTEGER,
            part INTEGER,
            code TEXT NOT NULL,
            reason TEXT NOT NULL,
            key_file TEXT,
            received_at TEXT NOT NULL,
            released_at TEXT
        )""",
        # What a reception found wrong after applying: a state summary that differs.
        """CREATE TABLE problems (
            id INTEGER PRIMARY KEY,
            insee TEXT NOT NULL,
            sequence INTEGER,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        )""",
        """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
    ]:
        db.execute(statement)


def m002_synthesis(db: sqlite_utils.Database) -> None:
    """What the synthesis needs: pages not typed yet per commune, the association's own theme
    decisions."""
    for statement in [
        "ALTER TABLE communes ADD COLUMN pages_to_type INTEGER",
        "ALTER TABLE communes ADD COLUMN pages_sequence INTEGER",
        """CREATE TABLE theme_overrides (
            insee TEXT NOT NULL,
            uuid TEXT NOT NULL,
            main TEXT NOT NULL,
            secondary TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            PRIMARY KEY (insee, uuid)
        )""",
    ]:
        db.execute(statement)


def m003_merged_communes(db: sqlite_utils.Database) -> None:
    """Communes merged since 2019: their old code, and the commune they belong to now."""
    db.execute(
        """CREATE TABLE commune_successors (
            old TEXT PRIMARY KEY,
            current TEXT NOT NULL
        )"""
    )


def m004_notes(db: sqlite_utils.Database) -> None:
    """The town hall's note beside a contribution's text, as the commune sent it."""
    db.execute("ALTER TABLE contributions ADD COLUMN note TEXT")


def m005_privacy_releases(db: sqlite_utils.Database) -> None:
    """Texts the synthesis flagged for personal data that the association checked and released
    for the open-data file (one version each: a newer version is checked again)."""
    db.execute(
        """CREATE TABLE privacy_releases (
            insee TEXT NOT NULL,
            uuid TEXT NOT NULL,
            version INTEGER NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            PRIMARY KEY (insee, uuid)
        ) WITHOUT ROWID"""
    )


def m006_department_exports(db: sqlite_utils.Database) -> None:
    """The association's own exports to the national federation: its ledger (sequences chained
    by digest), and what the federation holds once each export is in (for the next one): the
    digest of the record its commune sent, and of the line the department sent."""
    for statement in [
        """CREATE TABLE exports (
            sequence INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            digest TEXT NOT NULL,
            previous_digest TEXT,
            full INTEGER NOT NULL,
            encrypted INTEGER NOT NULL,
            contributions INTEGER NOT NULL,
            tombstones INTEGER NOT NULL,
            files TEXT NOT NULL
        )""",
        """CREATE TABLE export_state (
            insee TEXT NOT NULL,
            uuid TEXT NOT NULL,
            version INTEGER NOT NULL,
            record_digest TEXT NOT NULL,
            digest TEXT NOT NULL,
            deleted INTEGER NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (insee, uuid)
        ) WITHOUT ROWID""",
    ]:
        db.execute(statement)


MIGRATIONS: list[Migration] = [
    m001_association, m002_synthesis, m003_merged_communes, m004_notes, m005_privacy_releases,
    m006_department_exports,
]  # fmt: skip

ASSOCIATION = Schema(APPLICATION_ID, MIGRATIONS, "la base d'une association")
