"""A commune's database: its schema and one store per concern (register, exports, pages, privacy)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from mairie_cli.storage.commune.migrations import COMMUNE
from mairie_cli.storage.database import open_database


def open_commune_database(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) a commune's register file and apply pending migrations."""
    return open_database(path, COMMUNE)
