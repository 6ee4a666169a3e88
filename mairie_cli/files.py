"""Files that matter: hashed while streamed, written under a temporary name, synced, renamed."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from mairie_cli.errors import DiskError, InvalidValue

_CHUNK = 1 << 20
#: The causes people meet, in French (the system's own text is English).
_CAUSES = {
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota de place de ce compte est atteint",
    errno.EACCES: "vous n'avez pas le droit d'écrire ou de lire là",
    errno.EPERM: "l'opération n'est pas permise",
    errno.EROFS: "le disque est en lecture seule",
    errno.ENAMETOOLONG: "un nom de fichier est trop long pour ce disque",
    errno.EIO: "le disque a renvoyé une erreur de lecture ou d'écriture",
    errno.ENOENT: "le fichier ou le dossier n'existe pas",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.ENOTDIR: "un fichier porte le nom d'un dossier attendu",
    errno.EISDIR: "un dossier porte le nom d'un fichier attendu",
    errno.EMFILE: "trop de fichiers sont ouverts",
    errno.EBUSY: "le fichier est utilisé par un autre programme",
}


def cause(exc: OSError) -> str:
    """Why a file operation failed, in French."""
    if exc.errno in _CAUSES:
        return _CAUSES[exc.errno]
    name = errno.errorcode.get(exc.errno or 0)
    return f"erreur du système{f' ({name})' if name else ''}"


def unreadable_because(exc: BaseException) -> str:
    """Why a small file (a key) could not be read, in French."""
    if isinstance(exc, OSError):
        return cause(exc)
    if isinstance(exc, UnicodeError):
        return "ce n'est pas un fichier texte en UTF-8"
    return "son contenu n'est pas celui d'une clé"


def disk_error(exc: OSError, what: str) -> DiskError:
    """The French error of a local file operation that failed (``what``: « écrire dans … »)."""
    where = f" (« {exc.filename} »)" if exc.filename else ""
    return DiskError(
        f"Impossible de {what} : {cause(exc)}{where}. Libérez de la place ou vérifiez vos droits "
        "sur le dossier, puis recommencez : rien n'a été perdu."
    )


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def place_durably(source: Path, target: Path) -> None:
    """Sync a finished file and rename it into place (same file system)."""
    with source.open("rb+") as handle:
        _fsync(handle)
    source.replace(target)
    _fsync_dir(target.parent)


def copy_durably(source: Path, target: Path) -> None:
    """Copy to a temporary name, fsync, then rename: a removed USB stick never holds half a file."""
    temporary = target.with_name(f".{target.name}.partiel")
    with source.open("rb") as reader, temporary.open("wb") as writer:
        shutil.copyfileobj(reader, writer, _CHUNK)
        writer.flush()
        _fsync(writer)
    temporary.replace(target)
    _fsync_dir(target.parent)


def _fsync(handle: Any) -> None:
    os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows has no directory handles to sync; the rename is journaled by NTFS
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems (FAT on some kernels) refuse: the file itself is synced
    finally:
        os.close(descriptor)


def synthesis_targets(folder: Path, stem: str, workbook: Path | None, csv: Path | None) -> tuple[Path, Path]:
    """Where a synthesis' workbook and CSV go (by default ``folder/stem.xlsx`` and ``.csv``
    beside it), checked before any work is done."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = workbook or folder / f"{stem}.xlsx"
    csv = csv or workbook.with_suffix(".csv")
    if workbook.suffix.lower() != ".xlsx":
        raise InvalidValue(f"Le classeur doit porter l'extension .xlsx (« {workbook.name} »).")
    if csv.resolve() == workbook.resolve():
        raise InvalidValue("Le fichier CSV et le classeur doivent être deux fichiers différents.")
    for target in (workbook, csv):
        if not target.parent.is_dir():
            raise InvalidValue(
                f"Le dossier « {target.parent} » n'existe pas : créez-le ou choisissez-en un autre."
            )
    return workbook, csv
