"""Where a commune's files live: the workspace folder and its layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from mairie_cli.errors import WorkspaceConflict, WorkspaceNotFound

DB_NAME = "mairie.db"
ENV_VAR = "MAIRIE_DOSSIER"


@dataclass(frozen=True)
class Workspace:
    """A commune's folder: ``mairie.db``, ``scans/`` (pages waiting for OCR), ``exports/``."""

    root: Path

    @classmethod
    def at(cls, folder: Path | str | None = None) -> Workspace:
        """The workspace named by ``folder``, else ``MAIRIE_DOSSIER``, else the current folder."""
        chosen = folder if folder not in (None, "") else os.environ.get(ENV_VAR) or Path.cwd()
        return cls(Path(chosen).expanduser().resolve())

    @classmethod
    def find(cls, folder: Path | str | None = None) -> Workspace:
        """The workspace holding ``folder`` (or the current folder): itself or the nearest parent
        with a ``mairie.db``, as git finds its repository; else ``folder`` itself."""
        return cls(_holder(cls.at(folder).root, DB_NAME))

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def scans_dir(self) -> Path:
        return self.root / "scans"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    def exists(self) -> bool:
        """True when the folder holds a mairie database."""
        return self.db_path.is_file()

    def require(self) -> Workspace:
        """Fail with a French explanation when there is no workspace here."""
        if not self.root.is_dir():
            raise WorkspaceNotFound(
                f"Le dossier « {self.root} » n'existe pas. Vérifiez le chemin donné à --dossier "
                f"ou à la variable {ENV_VAR}."
            )
        if not self.exists():
            raise WorkspaceNotFound(
                f"Aucun espace de travail mairie dans « {self.root} ». Créez-le avec "
                "« mairie init --commune CODE_INSEE », ou indiquez le bon dossier avec --dossier."
            )
        return self

    def create_folders(self) -> None:
        """Create the workspace's folders; existing ones and their files are left untouched."""
        for folder in (self.root, self.scans_dir, self.exports_dir):
            folder.mkdir(parents=True, exist_ok=True)


ASSOCIATION_DB_NAME = "association.db"
_W = TypeVar("_W", bound="AssociationWorkspace")


@dataclass(frozen=True)
class AssociationWorkspace:
    """An association's folder: ``association.db``, its keys, the bundles received
    (``recus/``), the quarantine (``quarantaine/``) and the syntheses (``syntheses/``)."""

    root: Path
    DB_NAME: ClassVar[str] = ASSOCIATION_DB_NAME

    @classmethod
    def at(cls: type[_W], folder: Path | str | None = None) -> _W:
        return cls(Workspace.at(folder).root)

    @classmethod
    def find(cls: type[_W], folder: Path | str | None = None) -> _W:
        """The workspace of this kind holding ``folder``: itself or the nearest parent."""
        return cls(_holder(Workspace.at(folder).root, cls.DB_NAME))

    @property
    def db_path(self) -> Path:
        return self.root / self.DB_NAME

    @property
    def keys_dir(self) -> Path:
        return self.root / "cles"

    @property
    def received_dir(self) -> Path:
        return self.root / "recus"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantaine"

    @property
    def syntheses_dir(self) -> Path:
        return self.root / "syntheses"

    @property
    def exports_dir(self) -> Path:
        """The department's bundles for the national federation."""
        return self.root / "exports"

    def require(self: _W) -> _W:
        """Fail with a French explanation when there is no association workspace here."""
        if not self.db_path.is_file():
            hint = " (c'est l'espace de travail d'une commune)" if (self.root / DB_NAME).is_file() else ""
            raise WorkspaceNotFound(
                f"Aucun espace de travail d'association dans « {self.root} »{hint}. Créez-le avec "
                "« mairie asso init --departement NN », ou indiquez le bon dossier avec --dossier."
            )
        return self

    def create_folders(self) -> None:
        for folder in (self.root, self.keys_dir, self.received_dir, self.quarantine_dir, self.syntheses_dir):
            folder.mkdir(parents=True, exist_ok=True)


NATIONAL_DB_NAME = "national.db"


@dataclass(frozen=True)
class NationalWorkspace(AssociationWorkspace):
    """The national federation's folder, laid out as an association's: ``national.db``, its
    keys, the departments' bundles received, the quarantine and the syntheses."""

    DB_NAME: ClassVar[str] = NATIONAL_DB_NAME

    def require(self: _W) -> _W:
        if not self.db_path.is_file():
            raise WorkspaceNotFound(
                f"Aucun espace de travail de la fédération nationale dans « {self.root} ». Créez-le "
                "avec « mairie national init », ou indiquez le bon dossier avec --dossier."
            )
        return self


def _holder(start: Path, db_name: str) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / db_name).is_file():
            return candidate
    return start


def refuse_nested(root: Path) -> None:
    """A workspace is never created inside another one (a sub-folder such as ``scans/``)."""
    for parent in root.parents:
        for db_name, whose in (
            (DB_NAME, "d'une commune"), (ASSOCIATION_DB_NAME, "d'une association"),
            (NATIONAL_DB_NAME, "de la fédération nationale"),
        ):  # fmt: skip
            if (parent / db_name).is_file():
                raise WorkspaceConflict(
                    f"« {root} » est à l'intérieur de l'espace de travail {whose} (« {parent} ») : "
                    "mairie n'en crée pas un second dedans. Les commandes lancées depuis ce dossier "
                    "utilisent déjà celui-là ; pour une autre commune, choisissez un dossier à part."
                )
