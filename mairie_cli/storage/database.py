"""Opening a mairie SQLite file: pragmas, migrations, transactions, error translation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from mairie_cli.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseTooNew,
    MairieError,
    StorageFailed,
)
from mairie_cli.files import disk_error
from mairie_cli.storage.schema import Schema


def open_database(path: Path, schema: Schema) -> sqlite_utils.Database:
    """Open (creating if needed) a mairie database and apply pending migrations.

    ``schema`` says which kind: a commune's register or an association's.

    WAL journal with ``synchronous=FULL``: a committed entry survives a power cut, and
    readers never block the secretary who is typing.
    """
    _check_file(path)
    try:
        # One thread at a time uses a connection, but not always the one that opened it: the
        # importer hands it to a writer thread while the main thread reads the file.
        conn = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        _check_owner(db, path, schema)  # before anything is written: a foreign file stays as it was
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        _migrate(db, schema)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    except MairieError:
        conn.close()
        raise
    return db


_HEADER = b"SQLite format 3\x00"
_RESTORE = (
    "Ne le supprimez pas : restaurez la dernière sauvegarde (mairie restaurer "
    "DOSSIER_DE_SAUVEGARDE), ou faites appel à l'association départementale."
)


def _check_file(path: Path) -> None:
    """Refuse an empty or truncated file instead of taking it for a new, empty register."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return  # a new workspace: the file is created
    except OSError as exc:
        raise disk_error(exc, f"lire la base « {path} »") from None
    if size == 0:
        raise DatabaseCorrupt(
            f"La base « {path} » est endommagée : elle est vide (0 octet), son contenu a été perdu. "
            f"{_RESTORE}"
        )
    with path.open("rb") as handle:
        head = handle.read(100)
    if len(head) < 100 or not head.startswith(_HEADER):
        raise DatabaseCorrupt(
            f"La base « {path} » est endommagée ou n'est pas une base mairie (ce n'est pas un fichier "
            f"SQLite). {_RESTORE}"
        )
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[24:28] == head[92:96]  # the in-header size is trusted only then
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0  # recent pages may be in the WAL file
    if header_valid and not pending and pages * page_size > size:
        raise DatabaseCorrupt(
            f"La base « {path} » est endommagée : elle est tronquée ({size} octets sur les "
            f"{pages * page_size} attendus). "
            f"{_RESTORE}"
        )


def _check_owner(db: sqlite_utils.Database, path: Path, schema: Schema) -> None:
    """Read-only checks that the file is this kind of mairie database, of a known version."""
    current = schema_version(db)
    known = len(schema.migrations)
    app_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    if current > 0 and app_id != schema.application_id:
        raise DatabaseCorrupt(_foreign(path, app_id, schema))
    if current > known:
        raise DatabaseTooNew(
            f"La base « {path} » vient d'une version plus récente de mairie (schéma {current}, "
            f"cette version connaît le schéma {known}) : mettez mairie à jour. La base n'a pas "
            "été modifiée."
        )
    if current == 0 and db.table_names():
        raise DatabaseCorrupt(
            f"Le fichier « {path} » est une base SQLite qui n'appartient pas à mairie. "
            "Il n'a pas été modifié."
        )


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations this database has received."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _migrate(db: sqlite_utils.Database, schema: Schema) -> None:
    for number in range(schema_version(db), len(schema.migrations)):
        with transaction(db):
            schema.migrations[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")


def _foreign(path: Path, app_id: int, expected: Schema) -> str:
    from mairie_cli.storage.association.migrations import ASSOCIATION
    from mairie_cli.storage.commune.migrations import COMMUNE
    from mairie_cli.storage.national.migrations import NATIONAL

    for other in (COMMUNE, ASSOCIATION, NATIONAL):
        if other.application_id == app_id:
            return (
                f"Le fichier « {path} » est {other.label}, pas {expected.label} : vérifiez le "
                "dossier indiqué. Il n'a pas été modifié."
            )
    return f"Le fichier « {path} » est une base SQLite qui n'appartient pas à mairie. Il n'a pas été modifié."


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: everything inside is committed together or not at all.

    ``BEGIN IMMEDIATE`` takes the write lock at once, so two mairie processes never
    deadlock upgrading a read to a write.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


@contextmanager
def bulk_load(db: sqlite_utils.Database) -> Iterator[None]:
    """For a large import, write each page once into the database file.

    In WAL mode every page is written twice (to the WAL, then back by the checkpoint that
    follows the commit). With a rollback journal an append writes it once, and durability is
    the same (``synchronous=FULL``). The mode changes only if no other program has the base
    open; WAL is restored afterwards.
    """
    try:
        mode = str(db.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
    except sqlite3.OperationalError:
        mode = "wal"  # another connection is reading: keep WAL, nothing else changes
    try:
        yield
    finally:
        if mode != "wal":
            db.execute("PRAGMA journal_mode = WAL")


def translate_sqlite_error(exc: sqlite3.Error, path: Path | None = None) -> MairieError:
    """Turn an SQLite failure into the French error a user can act on."""
    where = f" « {path} »" if path else ""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return DatabaseBusy(
            f"La base{where} est occupée par un autre programme mairie : attendez qu'il ait "
            "fini, puis recommencez."
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return DatabaseCorrupt(
            f"La base{where} est endommagée ou n'est pas une base mairie. Ne la supprimez pas : "
            "restaurez la dernière sauvegarde, ou faites appel à l'association départementale."
        )
    if "readonly" in text or "unable to open" in text or "disk" in text:
        return StorageFailed(
            f"Impossible d'écrire dans la base{where} : vérifiez que le disque n'est pas plein "
            "et que vous avez le droit d'écrire dans ce dossier."
        )
    return StorageFailed(
        f"La base{where} a refusé l'opération. Rien n'a été "
        "modifié ; si cela se reproduit, relancez avec --debug et transmettez le message à "
        "l'association départementale."
    )


def backup_database(db: sqlite_utils.Database, target: Path) -> None:
    """A consistent copy of an open database (SQLite's online backup: the WAL's pages
    included, whatever another program writes meanwhile)."""
    copy = sqlite3.connect(str(target))
    try:
        db.conn.backup(copy)
        # A single file, with no -wal or -shm beside it (the copy is switched back to WAL when
        # a restored workspace is opened).
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()


def open_reader(path: Path) -> sqlite_utils.Database:
    """A read-only connection to a database another connection of this program has open (a
    worker process reading its share of a synthesis): it cannot write, it waits for a writer."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        conn.execute("PRAGMA busy_timeout = 10000")
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    return sqlite_utils.Database(conn)


def check_integrity(path: Path) -> bool:
    """Whether a database file passes SQLite's own integrity check (opened read-only)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    except sqlite3.Error:
        return False
    finally:
        conn.close()
