"""What a kind of mairie database is: its application id, its numbered migrations, its name.

Each kind (a commune's register, an association's) lists its migrations in its own folder;
``database.open_database`` applies the pending ones. Never edit a migration that has shipped:
add the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


@dataclass(frozen=True)
class Schema:
    """A kind of mairie database: its application id, its migrations, what to call it."""

    application_id: int
    migrations: list[Migration]
    label: str  # « la base d'une commune »
