"""The library's use cases: the commune's wing (``commune/``) and the association's
(``association/``). Each command of the CLI calls one of their functions."""

from __future__ import annotations

from mairie_cli.errors import MairieError


def translated(exc: Exception) -> MairieError | None:
    """The French error for a failure of the storage layer that escaped a use case (an SQLite
    error: base locked, damaged, disk full), or None when it is not one."""
    import sqlite3

    from mairie_cli.storage.database import translate_sqlite_error

    return translate_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else None
