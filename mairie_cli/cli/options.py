"""Options shared by several commands, with their French help."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from mairie_cli.workspace import ENV_VAR

Folder = Annotated[
    Optional[Path],  # noqa: UP045 - Typer reads the annotation at run time on Python 3.10
    typer.Option(
        "--dossier",
        "-d",
        envvar=ENV_VAR,
        metavar="DOSSIER",
        help="Dossier de l'espace de travail (par défaut : le dossier courant).",
        show_envvar=True,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Résultat au format JSON, pour les scripts.")]
CommuneName = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--nom", metavar="NOM", help="Nom de la commune (par défaut : le nom officiel)."),
]
CahierOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--cahier",
        "-c",
        metavar="N",
        help="Numéro du cahier (par défaut : le dernier cahier ouvert).",
    ),
]

# -- exporting a bundle (a commune's, or a department's) -------------------------------------
Vers = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--vers",
        metavar="DOSSIER",
        help="Copier aussi le paquet dans ce dossier (une clé USB), copie relue et vérifiée.",
    ),
]
Tout = Annotated[
    bool,
    typer.Option("--tout", help="Tout exporter, pas seulement ce qui a changé depuis le dernier paquet."),
]
TailleMax = Annotated[
    str,
    typer.Option(
        "--taille-max",
        metavar="TAILLE",
        help="Taille maximale de chaque fichier (10M par défaut ; 500K, 2G…).",
    ),
]
SansChiffrement = Annotated[
    bool,
    typer.Option(
        "--sans-chiffrement", help="Ne pas chiffrer le paquet (déconseillé : il reste lisible par tous)."
    ),
]
#: A receiver's backup key (the association's, the federation's): written once for the safe.
Secours = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--secours",
        metavar="FICHIER",
        help="Créer une clé de secours dans ce fichier (sur une clé USB destinée au coffre).",
    ),
]
