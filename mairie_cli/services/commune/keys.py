"""The commune's keys and the association's encryption keys.

A workspace holds, in ``cles/``: the commune's minisign signing key (``commune.key``,
readable by its owner only, and ``commune.pub``) and the key that derives author
pseudonyms (``pseudonymes.key``). The association's age public key (and an optional backup
key) is stored in the database's settings.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import parse_recipient
from mairie_cli.errors import KeyProblem
from mairie_cli.storage.commune.exports import ExportStore
from mairie_cli.storage.database import transaction
from mairie_cli.workspace import Workspace

RECIPIENT = "destinataire"
BACKUP_RECIPIENT = "destinataire_secours"


@dataclass(frozen=True)
class CommuneKeys:
    """Paths of a commune's key files."""

    folder: Path

    @classmethod
    def of(cls, workspace: Workspace) -> CommuneKeys:
        return cls(workspace.root / "cles")

    @property
    def secret(self) -> Path:
        return self.folder / "commune.key"

    @property
    def public(self) -> Path:
        return self.folder / "commune.pub"

    @property
    def pseudonyms(self) -> Path:
        return self.folder / "pseudonymes.key"

    def ensure(self, insee: str) -> bool:
        """Create the missing keys; existing ones are never replaced. True if created."""
        self.folder.mkdir(parents=True, exist_ok=True)
        created = False
        if not self.secret.exists():
            signing.generate_keypair(self.secret, self.public, f"clé publique de la commune {insee}")
            created = True
        elif not self.public.exists():
            key = signing.public_key_of(self.secret)
            self.public.write_text(key.file_text(f"clé publique de la commune {insee}"), encoding="utf-8")
        if not self.pseudonyms.exists():
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
            with os.fdopen(os.open(self.pseudonyms, flags, 0o600), "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            created = True
        return created

    def public_key(self) -> signing.PublicKey:
        if not self.public.exists():
            raise KeyProblem(
                f"La clé publique de la commune manque (« {self.public} ») : relancez « mairie init "
                "--commune CODE » dans ce dossier pour la recréer."
            )
        return signing.read_public_key(self.public)

    def pseudonym_key(self) -> bytes:
        try:
            return bytes.fromhex(self.pseudonyms.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            raise KeyProblem(
                f"La clé des pseudonymes « {self.pseudonyms} » manque ou est illisible : sans elle, "
                "les auteurs ne peuvent pas être masqués. Restaurez-la depuis une sauvegarde."
            ) from None


def set_recipients(store: ExportStore, recipient: str, backup: str | None = None) -> tuple[str, str | None]:
    """Record the association's age public key (and a backup key) after checking them."""
    main = parse_recipient(recipient)
    second = parse_recipient(backup) if backup else None
    with transaction(store.db):
        store.set_config(RECIPIENT, main)
        store.set_config(BACKUP_RECIPIENT, second)
    return main, second


def recipients_from_file(path: Path) -> tuple[str, str | None]:
    """Read one or two ``age1…`` lines from a file given by the association."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"Impossible de lire « {path} » ({exc}).") from None
    keys = [line.strip() for line in lines if line.strip().startswith("age1")]
    if not keys or len(keys) > 2:
        raise KeyProblem(
            f"« {path} » doit contenir une ligne « age1… » (la clé de l'association), et au plus "
            "une seconde (sa clé de secours)."
        )
    return keys[0], keys[1] if len(keys) > 1 else None


def recipients(store: ExportStore) -> list[str]:
    """The configured age recipients, main first."""
    return [r for r in (store.get_config(RECIPIENT), store.get_config(BACKUP_RECIPIENT)) if r]
