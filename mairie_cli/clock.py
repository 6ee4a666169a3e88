"""When and by whom: the timestamp and the actor written in every journal, on both sides."""

from __future__ import annotations

import getpass
import os
from datetime import datetime, timezone


def now_iso() -> str:
    """The current UTC time as stored everywhere (ISO 8601, milliseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def current_actor() -> str:
    """Who is making a change, for the journal: ``MAIRIE_UTILISATEUR`` or the OS account."""
    try:
        return os.environ.get("MAIRIE_UTILISATEUR") or getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"
