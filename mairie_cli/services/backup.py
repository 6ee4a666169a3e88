"""Backups of a workspace, commune, association or national federation alike: « the PC died »,
« the key is gone ».

A backup is a folder ``sauvegarde-<commune|association|federation>-<code>-<date>`` holding a consistent
copy of the database (SQLite's online backup, not a file copy of a live WAL database), the keys
and the folders the workspace cannot rebuild (scanned originals; bundles received), with a
manifest of SHA-256 digests. It is written under a temporary name, read back and checked
(every digest, and the database's own integrity check) before it takes its final name.
Restoring checks the same before copying anything, and never overwrites a workspace unless
asked: the current files are then moved aside, not deleted.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from mairie_cli.errors import InvalidValue, WorkspaceConflict
from mairie_cli.files import disk_error, sha256_file
from mairie_cli.storage.database import backup_database, check_integrity
from mairie_cli.workspace import refuse_nested

MANIFEST = "MANIFESTE-sha256.txt"
ABOUT = "sauvegarde.json"


@dataclass(frozen=True)
class Layout:
    """What a kind of workspace holds: its database, and the folders to keep with it."""

    kind: str  # "commune", "association" or "federation"
    database: str
    folders: tuple[str, ...]
    #: What it is, and the command that restores it, in French.
    what: str
    command: str


COMMUNE = Layout("commune", "mairie.db", ("cles", "pages"), "d'une commune", "mairie restaurer")
ASSOCIATION = Layout(
    "association",
    "association.db",
    ("cles", "recus", "quarantaine"),
    "d'une association",
    "mairie asso restaurer",
)
NATIONAL = Layout(
    "federation", "national.db", ("cles", "recus", "quarantaine"), "de la fédération nationale",
    "mairie national restaurer",
)  # fmt: skip
LAYOUTS = (COMMUNE, ASSOCIATION, NATIONAL)


@dataclass(frozen=True)
class BackupResult:
    """A backup written and checked, or a restoration done."""

    folder: Path
    files: int
    size: int
    set_aside: Path | None = None  # where a restoration moved the files it replaced

    def to_dict(self) -> dict[str, object]:
        return {
            "folder": str(self.folder), "files": self.files, "size": self.size,
            "set_aside": str(self.set_aside) if self.set_aside else None,
        }  # fmt: skip


def back_up(
    db: sqlite_utils.Database, root: Path, layout: Layout, code: str, destination: Path
) -> BackupResult:
    """Write a checked backup of the workspace ``root`` (its open database ``db``) into
    ``destination`` (a USB stick)."""
    if not destination.is_dir():
        raise InvalidValue(f"Le dossier « {destination} » n'existe pas : la clé USB est-elle branchée ?")
    if destination.resolve().is_relative_to(root.resolve()):
        raise InvalidValue(
            "Une sauvegarde dans l'espace de travail ne protège de rien : choisissez une clé USB ou "
            "un autre disque."
        )
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    final = destination / f"sauvegarde-{layout.kind}-{code}-{stamp}"
    partial = destination / f".{final.name}.partielle"
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        backup_database(db, partial / layout.database)
        for folder in layout.folders:
            if (root / folder).is_dir():
                shutil.copytree(root / folder, partial / folder)
        about = {"kind": layout.kind, "code": code, "made": stamp, "database": layout.database}
        (partial / ABOUT).write_text(json.dumps(about, ensure_ascii=False, indent=1), encoding="utf-8")
        digests = _digests(partial)
        (partial / MANIFEST).write_text(
            "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items())), encoding="utf-8"
        )
        _check(partial, layout)  # read back from the stick: every digest, and the database
        partial.rename(final)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise disk_error(exc, f"écrire la sauvegarde dans « {destination} »") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(final, len(digests), sum((final / n).stat().st_size for n in digests))


class Target(Protocol):
    """The workspace a backup is restored into."""

    @property
    def root(self) -> Path: ...

    def create_folders(self) -> None: ...


def restore(
    backup: Path, workspace: Target, layout: Layout, opens: Callable[[Path], Any], *, replace: bool = False,
    refuse: Callable[[Path], None] = refuse_nested,
) -> BackupResult:  # fmt: skip
    """Restore a checked backup into ``workspace`` (never where ``refuse`` says a workspace
    cannot be). An existing workspace is kept unless ``replace``: its files are then moved aside
    into ``avant-restauration-<date>``. Once copied, the workspace is opened with ``opens``:
    its schema and keys are there."""
    target = workspace.root
    refuse(target)
    _about(backup, layout)
    _check(backup, layout)
    target.mkdir(parents=True, exist_ok=True)
    present = [name for name in (layout.database, *layout.folders) if (target / name).exists()]
    set_aside = None
    if (target / layout.database).exists() and not replace:
        raise WorkspaceConflict(
            f"« {target} » contient déjà un espace de travail : rien n'a été modifié. Pour le remplacer "
            "par la sauvegarde, ajoutez --remplacer (les fichiers actuels seront mis de côté, pas effacés)."
        )
    try:
        if present:
            set_aside = target / f"avant-restauration-{datetime.now().strftime('%Y-%m-%d-%H%M%S')}"
            set_aside.mkdir()
            for name in [*present, *(f"{layout.database}{s}" for s in ("-wal", "-shm"))]:
                if (target / name).exists():
                    shutil.move(str(target / name), str(set_aside / name))
        shutil.copy2(backup / layout.database, target / layout.database)
        for folder in layout.folders:
            if (backup / folder).is_dir():
                shutil.copytree(backup / folder, target / folder)
    except OSError as exc:
        raise disk_error(exc, f"restaurer la sauvegarde dans « {target} »") from None
    digests = _read_manifest(backup)
    for name, digest in digests.items():
        if name != ABOUT and sha256_file(target / name) != digest:
            raise InvalidValue(f"La copie de « {name} » est différente de la sauvegarde : recommencez.")
    size = sum((target / n).stat().st_size for n in digests if n != ABOUT)
    workspace.create_folders()
    opens(target).close()
    return BackupResult(target, len(digests) - 1, size, set_aside)


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        raise InvalidValue(f"« {folder} » n'est pas une sauvegarde de mairie ({MANIFEST} manque).") from None
    entries = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or name.startswith("/") or ".." in name.split("/"):
            raise InvalidValue(f"Le manifeste de « {folder} » est abîmé : la sauvegarde est inutilisable.")
        entries[name] = digest
    return entries


def _about(folder: Path, layout: Layout) -> dict[str, str]:
    try:
        about = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidValue(f"« {folder} » n'est pas une sauvegarde de mairie ({ABOUT} manque).") from None
    if not isinstance(about, dict) or about.get("kind") != layout.kind:
        other = next((o for o in LAYOUTS if isinstance(about, dict) and o.kind == about.get("kind")), None)
        if other is None:
            raise InvalidValue(f"« {folder} » n'est pas une sauvegarde de mairie ({ABOUT} est illisible).")
        raise InvalidValue(
            f"« {folder} » est la sauvegarde {other.what} : restaurez-la avec « {other.command} »."
        )
    return about


def _check(folder: Path, layout: Layout) -> None:
    """Every file as the manifest says, none missing, none added; the database sound."""
    expected = _read_manifest(folder)
    found = _digests(folder)
    if set(found) != set(expected):
        missing = sorted(set(expected) - set(found)) or sorted(set(found) - set(expected))
        raise InvalidValue(
            f"La sauvegarde « {folder} » est incomplète ou modifiée (« {missing[0]} ») : ne l'utilisez pas."
        )
    for name, digest in expected.items():
        if found[name] != digest:
            raise InvalidValue(
                f"« {name} » est abîmé dans la sauvegarde « {folder} » (somme de contrôle fausse) : "
                "la clé USB est peut-être défectueuse."
            )
    if not check_integrity(folder / layout.database):
        raise InvalidValue(f"La base copiée dans « {folder} » est abîmée : recommencez la sauvegarde.")
