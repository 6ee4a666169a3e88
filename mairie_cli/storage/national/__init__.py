"""The national federation's database: its schema, its store, the synthesis queries."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from mairie_cli.storage.database import open_database
from mairie_cli.storage.national.migrations import NATIONAL


def open_national_database(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) the federation's database and apply pending migrations."""
    return open_database(path, NATIONAL)
