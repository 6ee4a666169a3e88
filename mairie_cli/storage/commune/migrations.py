"""Numbered schema migrations of a commune's register. Never edit one that has shipped: add the next.

``PRAGMA user_version`` holds how many have been applied; opening a database applies the
pending ones, each in its own transaction together with the version bump.
"""

from __future__ import annotations

import sqlite_utils

from mairie_cli.storage.schema import Migration, Schema

#: Written in every commune database so that another SQLite file is recognised as foreign.
APPLICATION_ID = 0x4D414952  # "MAIR"


def m001_register(db: sqlite_utils.Database) -> None:
    """The local register: commune, cahiers, contributions, journal, imports, search index."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    statements = [
        """CREATE TABLE commune (
            insee TEXT PRIMARY KEY,
            name TEXT,
            department TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE cahiers (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            opened_on TEXT,
            closed_on TEXT,
            notes TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE contributions (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL DEFAULT 1,
            cahier_id INTEGER NOT NULL REFERENCES cahiers(id),
            position INTEGER NOT NULL,
            page_number INTEGER,
            written_on TEXT,
            nature TEXT NOT NULL CHECK (nature IN ('doleance', 'proposition', 'autre')),
            text TEXT NOT NULL,
            author TEXT,
            source TEXT NOT NULL CHECK (source IN ('saisie', 'import', 'ocr')),
            import_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        )""",
        "CREATE UNIQUE INDEX contributions_import_key ON contributions(import_key)"
        " WHERE import_key IS NOT NULL",
        "CREATE INDEX contributions_cahier_position ON contributions(cahier_id, position)",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            version INTEGER,
            before TEXT,
            after TEXT
        )""",
        "CREATE INDEX journal_entity ON journal(entity, entity_id)",
        """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
           BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END""",
        """CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            cahier_id INTEGER NOT NULL REFERENCES cahiers(id),
            imported INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            mapping TEXT NOT NULL
        )""",
        # Accent- and case-insensitive full-text search over the current text of each live
        # entry. It is kept up to date by RegisterStore, not by triggers: a trigger runs once
        # per row and made bulk imports three times slower than one INSERT … SELECT per batch.
        # No column sizes: they only serve relevance ranking, which search does not use.
        """CREATE VIRTUAL TABLE contributions_fts USING fts5(
            text, author, content='contributions', content_rowid='id', columnsize=0,
            tokenize='unicode61 remove_diacritics 2'
        )""",
    ]
    for statement in statements:
        db.execute(statement)


def m002_exports(db: sqlite_utils.Database) -> None:
    """Settings (the association's encryption keys) and the ledger of exported bundles."""
    for statement in [
        "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
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
        # The version of each contribution last exported, with the digest of its exported
        # record: what changed since is exported next, and the state summary is computed
        # from these digests without serialising unchanged contributions again.
        """CREATE TABLE export_state (
            uuid TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            sequence INTEGER NOT NULL REFERENCES exports(sequence),
            digest TEXT NOT NULL,
            deleted INTEGER NOT NULL
        )""",
    ]:
        db.execute(statement)


def m003_pages(db: sqlite_utils.Database) -> None:
    """Scanned originals, their pages and OCR results; contributions linked to their page."""
    for statement in [
        # Each scanned file, kept byte for byte in the workspace under its SHA-256.
        """CREATE TABLE originals (
            sha256 TEXT PRIMARY KEY,
            file_name TEXT NOT NULL,
            stored_path TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('image', 'pdf')),
            size INTEGER NOT NULL,
            pages INTEGER NOT NULL,
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            original_sha256 TEXT NOT NULL REFERENCES originals(sha256),
            page_index INTEGER NOT NULL,
            cahier_id INTEGER NOT NULL REFERENCES cahiers(id),
            status TEXT NOT NULL CHECK (status IN
                ('a_lire', 'vide', 'brouillon', 'manuscrit', 'relue', 'echec')),
            error TEXT,
            engine TEXT,
            model TEXT,
            params TEXT,
            width INTEGER,
            height INTEGER,
            dpi INTEGER,
            ink_ratio REAL,
            mean_confidence REAL,
            french_share REAL,
            words TEXT,
            text TEXT,
            seconds REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (original_sha256, page_index)
        )""",
        "CREATE INDEX pages_status ON pages(status)",
        "ALTER TABLE contributions ADD COLUMN page_id INTEGER REFERENCES pages(id)",
        # Where a draft lies on its page: {"box": [left, top, right, bottom], "lines": [i, j]}.
        "ALTER TABLE contributions ADD COLUMN region TEXT",
        # OCR drafts wait for proofreading; everything else is « relue » from the start.
        "ALTER TABLE contributions ADD COLUMN status TEXT NOT NULL DEFAULT 'relue' "
        "CHECK (status IN ('brouillon', 'relue'))",
        "CREATE INDEX contributions_page ON contributions(page_id)",
    ]:
        db.execute(statement)


def m004_privacy(db: sqlite_utils.Database) -> None:
    """The secretary's decisions about personal data: a false positive kept, a span masked."""
    for statement in [
        """CREATE TABLE privacy_choices (
            id INTEGER PRIMARY KEY,
            uuid TEXT,
            term TEXT NOT NULL,
            folded TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('garder', 'masquer')),
            kind TEXT,
            created_at TEXT NOT NULL
        )""",
        # One decision per term and scope (one contribution, or the whole commune when NULL).
        "CREATE UNIQUE INDEX privacy_choices_scope ON privacy_choices(coalesce(uuid, ''), folded)",
    ]:
        db.execute(statement)


def m005_notes(db: sqlite_utils.Database) -> None:
    """A note beside the citizen's text (a spreadsheet's « Observations » column kept at import)."""
    db.execute("ALTER TABLE contributions ADD COLUMN note TEXT")


def m006_findings(db: sqlite_utils.Database) -> None:
    """What the personal-data rules found in each contribution, kept between exports: for
    which version of it, which rules (their digest), under which key (``privacy.findings``)."""
    db.execute(
        """CREATE TABLE findings (
            uuid TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            rules TEXT NOT NULL,
            key TEXT NOT NULL,
            spans TEXT NOT NULL
        )"""
    )


MIGRATIONS: list[Migration] = [
    m001_register,
    m002_exports,
    m003_pages,
    m004_privacy,
    m005_notes,
    m006_findings,
]

COMMUNE = Schema(APPLICATION_ID, MIGRATIONS, "la base d'une commune")
