"""An association's database: its schema, its store, the synthesis queries."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from mairie_cli.storage.association.migrations import ASSOCIATION
from mairie_cli.storage.database import open_database


def open_association_database(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) an association's database and apply pending migrations."""
    return open_database(path, ASSOCIATION)
