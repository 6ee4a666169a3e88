"""``mairie asso sauvegarder`` and ``mairie asso restaurer``: the association's database (trust,
ledger, merged contributions), its keys, the bundles received and the quarantine."""

from __future__ import annotations

from pathlib import Path

from mairie_cli.services.association.workspace import Association
from mairie_cli.services.backup import ASSOCIATION, BackupResult, back_up, restore
from mairie_cli.workspace import AssociationWorkspace


def back_up_association(association: Association, destination: Path) -> BackupResult:
    """A checked backup of the association's workspace in ``destination``."""
    return back_up(
        association.db, association.workspace.root, ASSOCIATION, association.department, destination
    )


def restore_association(
    backup: Path, folder: Path | str | None = None, *, replace: bool = False
) -> BackupResult:
    """Restore an association's backup into its workspace folder (checked before and after)."""
    return restore(backup, AssociationWorkspace.at(folder), ASSOCIATION, Association.open, replace=replace)
