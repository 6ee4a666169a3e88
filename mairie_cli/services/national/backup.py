"""``mairie national sauvegarder`` and ``mairie national restaurer``: the federation's database
(trust, ledger, merged contributions of France), its keys, the bundles received and the
quarantine."""

from __future__ import annotations

from pathlib import Path

from mairie_cli.services.backup import NATIONAL, BackupResult, back_up, restore
from mairie_cli.services.national.workspace import National, refuse_other_workspace
from mairie_cli.workspace import NationalWorkspace


def back_up_national(national: National, destination: Path) -> BackupResult:
    """A checked backup of the federation's workspace in ``destination``."""
    return back_up(national.db, national.workspace.root, NATIONAL, "nationale", destination)


def restore_national(
    backup: Path, folder: Path | str | None = None, *, replace: bool = False
) -> BackupResult:
    """Restore the federation's backup into its workspace folder (checked before and after)."""
    workspace = NationalWorkspace.at(folder)
    return restore(backup, workspace, NATIONAL, National.open, replace=replace, refuse=refuse_other_workspace)
