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
from typing import TYPE_CHECKING, Any

from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import parse_recipient
from mairie_cli.errors import KeyProblem
from mairie_cli.files import unreadable_because
from mairie_cli.storage.commune.exports import ExportStore
from mairie_cli.storage.database import transaction
from mairie_cli.workspace import Workspace

if TYPE_CHECKING:  # the register imports this module to create the keys at init
    from mairie_cli.services.commune.register import Register

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

    def missing(self) -> list[Path]:
        """The secret keys that are not there (the public key can be derived again)."""
        return [path for path in (self.secret, self.pseudonyms) if not path.exists()]

    def require(self, insee: str) -> None:
        """Stop with the remedy when a secret key has disappeared: never recreated silently
        (the association would refuse every bundle, and authors would get new pseudonyms)."""
        lost = self.missing()
        if lost:
            names = " et ".join(f"« {path.name} »" for path in lost)
            raise KeyProblem(
                f"La clé {names} de la commune a disparu du dossier « {self.folder} ». Ne la recréez "
                "pas au hasard : l'association ne reconnaîtrait plus vos paquets et les auteurs "
                "changeraient de pseudonyme. Restaurez la dernière sauvegarde (mairie restaurer "
                "DOSSIER_DE_SAUVEGARDE). S'il n'y en a aucune : « mairie cle --nouvelle », puis donnez "
                "le nouveau fichier commune-CODE.pub à l'association et lisez-lui la nouvelle empreinte."
            )
        if not self.public.exists():  # the same key, derived again from the secret one
            key = signing.public_key_of(self.secret)
            self.public.write_text(key.file_text(f"clé publique de la commune {insee}"), encoding="utf-8")

    def relabel(self, insee: str) -> None:
        """Write the public key file again with the commune's (corrected) code in its comment."""
        key = signing.public_key_of(self.secret)
        self.public.write_text(key.file_text(f"clé publique de la commune {insee}"), encoding="utf-8")

    def ensure(self, insee: str) -> bool:
        """Create the missing keys; existing ones are never replaced. True if created. Only for
        a new workspace, or when the secretary asks for new keys (``mairie cle --nouvelle``)."""
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


@dataclass(frozen=True)
class PublishedKey:
    """The commune's public key as given to the association (``mairie cle``)."""

    insee: str
    public_key: str
    key_id: str
    fingerprint: str
    file: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "insee": self.insee, "public_key": self.public_key, "key_id": self.key_id,
            "fingerprint": self.fingerprint, "file": str(self.file),
        }  # fmt: skip


def publish_public_key(
    register: Register, folder: Path | None = None, *, renew: bool = False
) -> PublishedKey:
    """Write ``commune-CODE.pub`` (into ``exports/`` by default) and return what to read out.

    With ``renew``, the keys that have disappeared are created anew (never those still there),
    and the journal says so.
    """
    insee = register.commune.insee
    keys = CommuneKeys.of(register.workspace)
    if renew and keys.missing():
        lost = [path.name for path in keys.missing()]
        keys.ensure(insee)
        with transaction(register.db):
            register.record_event("renew-keys", "commune", insee, after={"created": lost})
    keys.require(insee)
    public = keys.public_key()
    folder = folder or register.workspace.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"commune-{insee}.pub"
    target.write_text(public.file_text(f"clé publique de la commune {insee}"), encoding="utf-8")
    return PublishedKey(insee, public.base64, public.key_id, public.fingerprint, target)


def set_recipients(register: Register, recipient: str, backup: str | None = None) -> tuple[str, str | None]:
    """Record the association's age public key (and a backup key) after checking them."""
    main = parse_recipient(recipient)
    second = parse_recipient(backup) if backup else None
    store = register.exports
    with transaction(register.db):
        store.set_config(RECIPIENT, main)
        store.set_config(BACKUP_RECIPIENT, second)
    return main, second


def recipients_from_file(path: Path) -> tuple[str, str | None]:
    """Read one or two ``age1…`` lines from a file given by the association."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"Impossible de lire « {path} » : {unreadable_because(exc)}.") from None
    keys = [line.strip() for line in lines if line.strip().startswith("age1")]
    if not keys or len(keys) > 2:
        raise KeyProblem(
            f"« {path} » doit contenir une ligne « age1… » (la clé de l'association), et au plus "
            "une seconde (sa clé de secours)."
        )
    return keys[0], keys[1] if len(keys) > 1 else None


def settings(register: Register) -> dict[str, str | None]:
    """The commune's settings, by their French names (``mairie config voir``)."""
    store = register.exports
    commune = register.commune
    return {
        "commune": f"{commune.insee} {commune.name or ''}".strip(),
        "destinataire": store.get_config(RECIPIENT),
        "destinataire_secours": store.get_config(BACKUP_RECIPIENT),
    }


def recipients(store: ExportStore) -> list[str]:
    """The configured age recipients, main first."""
    return [r for r in (store.get_config(RECIPIENT), store.get_config(BACKUP_RECIPIENT)) if r]
