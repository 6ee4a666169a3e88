"""The age keys of a receiver, the association or the national federation alike: its own identity
in the workspace (``cles/``), and a backup identity written once for the safe, never kept on the
computer, which the senders encrypt to as well: a computer lost with its key loses nothing that
was sent."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import sqlite_utils

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.crypto.encryption import generate_identity, read_identity, recipient_of
from mairie_cli.errors import KeyProblem
from mairie_cli.storage.database import transaction
from mairie_cli.storage.receiver import ReceiverStore
from mairie_cli.workspace import AssociationWorkspace

#: The setting holding the backup identity's ``age1…`` key.
BACKUP_RECIPIENT = "destinataire_secours"


class ReceiverKeys:
    """What an open receiving workspace does with its age keys (mixed into ``Association`` and
    ``National``)."""

    #: Whose key it is, in a French sentence: « de l'association », « de la fédération ».
    OWNER: ClassVar[str]
    workspace: AssociationWorkspace
    db: sqlite_utils.Database
    store: ReceiverStore

    @property
    def identity_path(self) -> Path:
        raise NotImplementedError

    def identities(self, extra: list[Path] | None = None) -> list[object]:
        """The receiver's own age identity, and any other given (the backup one)."""
        found = [read_identity(path) for path in extra or []]
        if self.identity_path.exists():
            found.insert(0, read_identity(self.identity_path))
        if not found:
            raise KeyProblem(
                f"La clé secrète {self.OWNER} (« {self.identity_path} ») manque : restaurez-la depuis "
                "une sauvegarde, ou indiquez la clé de secours avec --identite."
            )
        return found

    def recipients(self) -> list[str]:
        """``age1…`` keys the senders encrypt to: the receiver's own, then the backup."""
        main = recipient_of(read_identity(self.identity_path))
        backup = self.store.get_setting(BACKUP_RECIPIENT)
        return [main, backup] if backup else [main]

    def create_backup_identity(self, target: Path) -> str:
        """Write a backup identity for the safe (never kept in the workspace); the senders then
        encrypt to it too."""
        if target.resolve().is_relative_to(self.workspace.root.resolve()):
            raise KeyProblem(
                "La clé de secours ne doit pas rester dans l'espace de travail : écrivez-la sur une "
                "clé USB destinée au coffre (par exemple --secours E:/secours.key)."
            )
        if not target.parent.is_dir():
            raise KeyProblem(f"Le dossier « {target.parent} » n'existe pas : la clé USB est-elle branchée ?")
        recipient = generate_identity(target)
        with transaction(self.db):
            self.store.set_setting(BACKUP_RECIPIENT, recipient)
            self.store.journal(now_iso(), current_actor(), "backup-key", {"recipient": recipient})
        return recipient
