"""Sealing the parts of an export, at any level: each part signed, encrypted, put in place,
and copied to a USB stick then read back.

A commune seals its parts with its key, an association its department's with its own; the
steps and their guarantees are the same, so they live here once.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli import __version__
from mairie_cli.bundle.bag import BagWriter
from mairie_cli.bundle.format import KEY_FILE, Header
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import encrypt_file
from mairie_cli.errors import CopyMismatch, ExportFailed, PartTooLarge
from mairie_cli.files import copy_durably, place_durably, sha256_file


@dataclass
class ExportedFile:
    """One part, as written."""

    name: str
    part: int
    size: int
    sha256: str
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "part": self.part, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Sealer:
    """Who seals: the organisation named in ``bag-info.txt``, its secret signing key, its public
    key file's text (carried in each part), and the age recipients (none: not encrypted)."""

    organization: str
    secret: Path
    key_file: bytes
    recipients: list[str]


def seal_parts(
    parts: list[BagWriter], header: Header, sealer: Sealer, work: Path, target: Path, max_size: int
) -> tuple[list[ExportedFile], str]:
    """Sign each part, encrypt it, put it in ``target``; returns the files and the export's
    digest (of the parts' tag manifests, in order: what the next export names as previous)."""
    tag_digests: list[str] = []
    files: list[ExportedFile] = []
    for index, part in enumerate(parts, start=1):
        this = Header(**{**header.__dict__, "part": index, "parts": len(parts)})
        info = this.bag_info(sealer.organization, date.today().isoformat(), f"mairie {__version__}")
        comment = this.trusted_comment()
        tagmanifest = part.finish(info, _signer(sealer.secret, comment), {KEY_FILE: sealer.key_file})
        tag_digests.append(hashlib.sha256(tagmanifest).hexdigest())
        final = target / (this.file_name() + (".zip.age" if sealer.recipients else ".zip"))
        sealed = work / final.name
        if sealer.recipients:
            encrypt_file(part.zip_path, sealed, sealer.recipients)
        else:
            shutil.move(part.zip_path, sealed)
        size = sealed.stat().st_size
        if size > max_size:
            raise PartTooLarge(
                f"La partie {index} fait {size} octets, plus que la limite de {max_size} : "
                "relancez avec une --taille-max plus grande."
            )
        place_durably(sealed, final)
        files.append(ExportedFile(final.name, index, size, sha256_file(final), final))
    return files, "sha256:" + hashlib.sha256("\n".join(tag_digests).encode()).hexdigest()


def _signer(secret: Path, comment: str) -> Callable[[bytes], bytes]:
    return lambda data: signing.sign(secret, data, comment)


def require_folder(destination: Path) -> None:
    """Stop before any work when the USB stick named is not there."""
    if not destination.is_dir():
        raise ExportFailed(f"Le dossier « {destination} » n'existe pas : la clé USB est-elle branchée ?")


def copy_verified(destination: Path, files: list[ExportedFile]) -> Path:
    """Copy the parts to a USB stick and read them back."""
    for exported_file in files:
        copied = destination / exported_file.name
        copy_durably(exported_file.path, copied)
        if sha256_file(copied) != exported_file.sha256:
            raise CopyMismatch(
                f"La copie de « {exported_file.name} » sur « {destination} » est différente de "
                "l'original : la clé USB est peut-être défectueuse. Ne la retirez pas, "
                "recommencez l'export ou utilisez une autre clé."
            )
    return destination
