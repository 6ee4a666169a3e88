"""``mairie sauvegarder`` and ``mairie restaurer``: the commune's register, keys and scans."""

from __future__ import annotations

from pathlib import Path

from mairie_cli.services.backup import COMMUNE, BackupResult, back_up, restore
from mairie_cli.services.commune.register import Register
from mairie_cli.workspace import Workspace


def back_up_register(register: Register, destination: Path) -> BackupResult:
    """A checked backup of the commune's workspace (register with its export ledger, keys,
    scanned originals) in ``destination``."""
    return back_up(register.db, register.workspace.root, COMMUNE, register.commune.insee, destination)


def restore_register(
    backup: Path, folder: Path | str | None = None, *, replace: bool = False
) -> BackupResult:
    """Restore a commune's backup into its workspace folder (checked before and after)."""
    return restore(backup, Workspace.at(folder), COMMUNE, Register.open, replace=replace)
