"""Signatures in minisign format: the only module that talks to py-minisign.

Keys are Ed25519 in minisign's own files (``minisign -V -p commune.pub`` reads ours), and
signatures are always prehashed (BLAKE2b), the format ``minisign -V`` expects by default.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from mairie_cli.errors import KeyProblem, SignatureInvalid
from mairie_cli.files import unreadable_because


@dataclass(frozen=True)
class PublicKey:
    """A commune's public key: the minisign base64 line and what is derived from it."""

    base64: str

    @property
    def raw(self) -> bytes:
        return base64.b64decode(self.base64)

    @property
    def key_id(self) -> str:
        """minisign's key identifier, as ``minisign`` prints it (16 hexadecimal digits)."""
        return self.raw[2:10][::-1].hex().upper()

    @property
    def fingerprint(self) -> str:
        """Sixteen characters to read over the phone: SHA-256 of the Ed25519 key, grouped."""
        digest = hashlib.sha256(self.raw[10:]).hexdigest()[:16].upper()
        return " ".join(digest[i : i + 4] for i in range(0, 16, 4))

    def file_text(self, comment: str) -> str:
        """The content of a ``.pub`` file, as ``minisign -G`` writes it."""
        return f"untrusted comment: {comment}\n{self.base64}\n"


def generate_keypair(secret_path: Path, public_path: Path, comment: str) -> PublicKey:
    """Create an Ed25519 key pair; the secret file is readable by its owner only."""
    import minisign

    pair = minisign.KeyPair.generate()
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    descriptor = os.open(secret_path, flags, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(bytes(pair.secret_key))
        handle.flush()
        os.fsync(handle.fileno())
    public = PublicKey(pair.public_key.to_base64().decode("ascii"))
    public_path.write_text(public.file_text(comment), encoding="utf-8")
    return public


def read_public_key(path: Path) -> PublicKey:
    """Read a minisign ``.pub`` file (or a file holding just the base64 line)."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(
            f"Impossible de lire la clé publique « {path} » : {unreadable_because(exc)}."
        ) from None
    candidates = [line for line in lines if line and not line.startswith("untrusted comment:")]
    if candidates:
        return parse_public_key(candidates[0], origin=str(path))
    raise KeyProblem(f"« {path} » ne contient pas de clé publique minisign.")


def parse_public_key(text: str, origin: str = "la clé") -> PublicKey:
    """Check a minisign public key given as its base64 line."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise KeyProblem(f"{origin} n'est pas une clé publique minisign valide.")
    return PublicKey(text.strip())


def public_key_of(secret_path: Path) -> PublicKey:
    """The public key matching a secret key file."""
    import minisign

    with _secret_key(secret_path) as secret:
        return PublicKey(minisign.PublicKey.from_secret_key(secret).to_base64().decode("ascii"))


def sign(secret_path: Path, data: bytes, trusted_comment: str) -> bytes:
    """A prehashed minisign signature of ``data`` (the content of a ``.minisig`` file)."""
    with _secret_key(secret_path) as secret:
        signature = secret.sign(
            data,
            prehash=True,
            trusted_comment=trusted_comment,
            untrusted_comment="signature from minisign secret key",
        )
    return bytes(signature)


def verify(public: PublicKey, data: bytes, signature_file: bytes) -> str:
    """Check a signature; returns its trusted comment. Raises ``SignatureInvalid``."""
    import minisign

    try:
        signature = minisign.Signature.from_bytes(signature_file)
    except (minisign.Error, ValueError, UnicodeDecodeError):
        raise SignatureInvalid("la signature est illisible (ce n'est pas une signature minisign)") from None
    key = minisign.PublicKey.from_base64(public.base64)
    try:
        key.verify(data, signature)
    except minisign.VerifyError as exc:
        if "identifiers" in str(exc):
            raise SignatureInvalid("le paquet a été signé par une autre clé") from None
        raise SignatureInvalid("la signature ne correspond pas au contenu") from None
    return str(signature.trusted_comment)


class _secret_key:  # noqa: N801 - a context manager used like a function
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):  # type: ignore[no-untyped-def]
        import minisign

        try:
            self.key = minisign.SecretKey.from_file(str(self.path))
        except FileNotFoundError:
            raise KeyProblem(
                f"La clé de signature « {self.path} » est introuvable. « mairie init » la crée ; "
                "si elle a été perdue, contactez l'association pour en déclarer une nouvelle."
            ) from None
        except (minisign.Error, ValueError, OSError) as exc:
            raise KeyProblem(
                f"La clé de signature « {self.path} » est illisible : {unreadable_because(exc)}. "
                "Restaurez-la depuis une sauvegarde (mairie restaurer)."
            ) from None
        if self.key.is_encrypted():
            raise KeyProblem(
                f"La clé de signature « {self.path} » est protégée par un mot de passe, ce que "
                "mairie ne gère pas : retirez-le avec « minisign -C »."
            )
        return self.key

    def __exit__(self, *exc: object) -> None:
        self.key.wipe()
