"""Numbered schema migrations of the national federation's database. Never edit one that has
shipped.

The federation keeps what the departments' associations send: every contribution by commune
and UUID (the highest version winning) with its provenance (the department's bundle and the
commune's), the communes each department speaks for, the ledger of every part received, the
associations' keys it trusts, its quarantine and the problems a reception found. The
receiving tables are laid out as the association's, keyed by department.
"""

from __future__ import annotations

import sqlite_utils

from mairie_cli.storage.schema import Migration, Schema

#: Written in every national database: an association's or a commune's base is told apart.
APPLICATION_ID = 0x4D41494E  # "MAIN"

_RECEIVING = [
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE trusted_keys (
        department TEXT NOT NULL,
        key_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (department, key_id)
    )""",
    """CREATE TABLE sequences (
        department TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        previous_digest TEXT NOT NULL,
        state TEXT NOT NULL,
        full INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        digest TEXT,
        first_received_at TEXT NOT NULL,
        PRIMARY KEY (department, sequence)
    )""",
    """CREATE TABLE parts (
        department TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        part INTEGER NOT NULL,
        tag_digest TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        file_name TEXT NOT NULL,
        archived_as TEXT NOT NULL,
        contributions INTEGER NOT NULL,
        tombstones INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (department, sequence, part)
    )""",
    """CREATE TABLE received_files (
        sha256 TEXT PRIMARY KEY,
        department TEXT NOT NULL,
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
        department TEXT,
        sequence INTEGER,
        part INTEGER,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        key_file TEXT,
        received_at TEXT NOT NULL,
        released_at TEXT
    )""",
    """CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        department TEXT NOT NULL,
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
]

_MERGED = [
    # One row per department heard from or trusted: its association and what it says of its
    # coverage (from its latest communes.json).
    """CREATE TABLE departments (
        department TEXT PRIMARY KEY,
        association TEXT,
        coverage TEXT,
        pages_to_type INTEGER,
        described_sequence INTEGER,
        state_status TEXT,
        state_sequence INTEGER,
        state_checked_at TEXT
    )""",
    # The communes a department speaks for (listed, heard or silent), as it last described
    # them: the bundles it received from each, the keys it trusts for each.
    """CREATE TABLE communes (
        insee TEXT PRIMARY KEY,
        department TEXT NOT NULL,
        name TEXT,
        population INTEGER,
        listed INTEGER NOT NULL,
        heard INTEGER NOT NULL,
        state TEXT,
        keys TEXT NOT NULL,
        bundles TEXT NOT NULL,
        sequence INTEGER NOT NULL
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
    # Every contribution at its highest version: the record its commune signed (digest
    # ``commune_digest``), the line its department sent (``digest``, for the department's state
    # summary), and where it came from (department bundle, commune bundle ``envoi``).
    """CREATE TABLE contributions (
        insee TEXT NOT NULL,
        uuid TEXT NOT NULL,
        version INTEGER NOT NULL,
        digest TEXT NOT NULL,
        commune_digest TEXT NOT NULL,
        department TEXT NOT NULL,
        department_sequence INTEGER NOT NULL,
        envoi INTEGER NOT NULL,
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
        note TEXT,
        PRIMARY KEY (insee, uuid)
    ) WITHOUT ROWID""",
    # The associations' own theme decisions (themes.json), which the national synthesis keeps.
    """CREATE TABLE theme_overrides (
        insee TEXT NOT NULL,
        uuid TEXT NOT NULL,
        main TEXT NOT NULL,
        secondary TEXT NOT NULL,
        department TEXT NOT NULL,
        at TEXT,
        PRIMARY KEY (insee, uuid)
    ) WITHOUT ROWID""",
]


def m001_national(db: sqlite_utils.Database) -> None:
    """Settings, trust, ledger, quarantine, problems, journal; departments, communes, cahiers,
    merged contributions with their provenance, the associations' theme decisions."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in _RECEIVING + _MERGED:
        db.execute(statement)


def m002_themes(db: sqlite_utils.Database) -> None:
    """Each live contribution's themes, worked out once when it is received (the national
    synthesis reads them instead of classifying a million texts again), with the digest of the
    taxonomy file they come from: another taxonomy classifies again."""
    for column in ("theme_main TEXT", "theme_secondary TEXT", "theme_score REAL", "taxonomy_digest TEXT"):
        db.execute(f"ALTER TABLE contributions ADD COLUMN {column}")


MIGRATIONS: list[Migration] = [m001_national, m002_themes]

NATIONAL = Schema(APPLICATION_ID, MIGRATIONS, "la base de la fédération nationale")
