"""Encryption with age (X25519): the only module that talks to pyrage.

Files are encrypted to the departmental association's public key (``age1…``) and, when one
is configured, to a backup key kept in the association's safe. ``age -d -i asso.key`` opens
them.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from mairie_cli.errors import DecryptionFailed, KeyProblem
from mairie_cli.files import disk_error, unreadable_because


def parse_recipient(text: str) -> str:
    """Check an age X25519 public key (``age1…``) and return it."""
    import pyrage

    value = text.strip()
    try:
        pyrage.x25519.Recipient.from_str(value)
    except (pyrage.RecipientError, ValueError):
        raise KeyProblem(
            f"« {value[:70]} » n'est pas une clé de chiffrement age valide : elle tient sur une "
            "ligne qui commence par « age1 » ; l'association vous la donne."
        ) from None
    return value


def encrypt_file(source: Path, target: Path, recipients: list[str]) -> None:
    """Encrypt ``source`` into ``target`` for every recipient (streamed, flat memory)."""
    import pyrage

    keys = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    with source.open("rb") as plain, target.open("wb") as sealed:
        pyrage.encrypt_io(plain, sealed, keys)


def generate_identity(path: Path) -> str:
    """Create an age identity file (as ``age-keygen`` writes it), readable by its owner only;
    returns its public key (``age1…``). An existing file is never replaced."""
    import os
    from datetime import datetime

    import pyrage

    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    text = (
        f"# created: {datetime.now().astimezone().isoformat(timespec='seconds')}\n"
        f"# public key: {recipient}\n{identity}\n"
    )
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyProblem(f"« {path} » existe déjà : une clé n'est jamais remplacée.") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return recipient


def recipient_of(identity: object) -> str:
    """The public key (``age1…``) of an identity read by ``read_identity``."""
    return str(identity.to_public())  # type: ignore[attr-defined]


def read_identity(path: Path) -> object:
    """An age identity file (``AGE-SECRET-KEY-1…`` line, comments allowed)."""
    import pyrage

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"Impossible de lire la clé « {path} » : {unreadable_because(exc)}.") from None
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                return pyrage.x25519.Identity.from_str(line.strip())
            except (pyrage.IdentityError, ValueError):
                break
    raise KeyProblem(f"« {path} » ne contient pas de clé secrète age (AGE-SECRET-KEY-1…).")


class _Sink:
    """The decrypted file being written: remembers a failure of the disk (ours, not the
    sender's), which the decrypter would otherwise report as a damaged file."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.failure: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.failure = exc
            raise

    def flush(self) -> None:
        self.handle.flush()


def decrypt_file(source: Path, target: Path, identities: list[object], label: str | None = None) -> None:
    """Decrypt ``source`` into ``target``; on failure ``target`` is removed.

    A file that cannot be decrypted is ``DecryptionFailed``; a disk that cannot take the
    decrypted copy is ``DiskError``.
    """
    import pyrage

    name = label or source.name
    sink: _Sink | None = None
    try:
        with source.open("rb") as sealed, target.open("wb") as plain:
            sink = _Sink(plain)
            pyrage.decrypt_io(sealed, sink, identities)
    except (pyrage.DecryptError, OSError, ValueError):
        target.unlink(missing_ok=True)
        local = sink.failure if sink is not None else None  # a damaged file is an OSError too
        if local is not None:
            raise disk_error(local, f"déchiffrer « {name} » dans le dossier temporaire") from None
        if _not_for_these_keys(source, identities):
            raise DecryptionFailed(
                f"« {name} » n'est pas chiffré pour cette clé : il est destiné à une autre "
                "association, ou la clé donnée n'est pas la bonne."
            ) from None
        raise DecryptionFailed(
            f"« {name} » ne peut pas être déchiffré : le fichier est tronqué ou abîmé."
        ) from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _not_for_these_keys(source: Path, identities: list[object]) -> bool:
    """Whether the age header names none of our keys (the header comes before any payload)."""
    import pyrage

    with source.open("rb") as sealed:
        head = sealed.read(4096)
    try:
        pyrage.decrypt(head, identities)
    except pyrage.DecryptError as exc:
        return "no matching keys" in str(exc).lower()
    except (OSError, ValueError):
        return False
    return False
