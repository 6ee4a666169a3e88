"""``mairie sauvegarder`` and ``mairie restaurer`` (the commune), ``mairie asso sauvegarder`` and
``mairie asso restaurer`` (the association), ``mairie national sauvegarder`` and ``mairie
national restaurer`` (the federation)."""

from pathlib import Path
from typing import Annotated

import typer

from mairie_cli.cli import output
from mairie_cli.cli.asso import asso
from mairie_cli.cli.base import Commands, open_association, open_national, open_register, state
from mairie_cli.cli.national import national
from mairie_cli.cli.options import Folder, Json

commands = Commands()

Destination = Annotated[
    Path,
    typer.Option("--vers", metavar="DOSSIER", help="Où écrire la sauvegarde (une clé USB, un autre disque)."),
]
BackupFolder = Annotated[
    Path, typer.Argument(metavar="SAUVEGARDE", help="Le dossier sauvegarde-… écrit par la sauvegarde.")
]
Replace = Annotated[
    bool,
    typer.Option(
        "--remplacer", help="Remplacer l'espace de travail existant (ses fichiers sont mis de côté)."
    ),
]


@commands.command("sauvegarder")
def sauvegarder(ctx: typer.Context, vers: Destination, dossier: Folder = None, json: Json = False) -> None:
    """Sauvegarder le registre, les clés et les pages scannées (sur une clé USB), copie relue."""
    from mairie_cli.services.commune.backup import back_up_register

    with open_register(ctx, dossier) as register:
        result = back_up_register(register, vers)
    show_backup(result.to_dict(), json)


@commands.command("restaurer")
def restaurer(
    ctx: typer.Context, sauvegarde: BackupFolder, remplacer: Replace = False, dossier: Folder = None
) -> None:
    """Restaurer une sauvegarde (après une panne de l'ordinateur ou une clé perdue)."""
    from mairie_cli.services.commune.backup import restore_register

    result = restore_register(sauvegarde, dossier or state(ctx).folder, replace=remplacer)
    show_restored(result.to_dict())


@asso.command("sauvegarder")
def asso_sauvegarder(
    ctx: typer.Context, vers: Destination, dossier: Folder = None, json: Json = False
) -> None:
    """Sauvegarder la base, les clés, les paquets reçus et la quarantaine (copie relue)."""
    from mairie_cli.services.association.backup import back_up_association

    with open_association(ctx, dossier) as association:
        result = back_up_association(association, vers)
    show_backup(result.to_dict(), json)


@asso.command("restaurer")
def asso_restaurer(
    ctx: typer.Context, sauvegarde: BackupFolder, remplacer: Replace = False, dossier: Folder = None
) -> None:
    """Restaurer la sauvegarde de l'association (après une panne de l'ordinateur)."""
    from mairie_cli.services.association.backup import restore_association

    result = restore_association(sauvegarde, dossier or state(ctx).folder, replace=remplacer)
    show_restored(result.to_dict())


@national.command("sauvegarder")
def national_sauvegarder(
    ctx: typer.Context, vers: Destination, dossier: Folder = None, json: Json = False
) -> None:
    """Sauvegarder la base, les clés, les paquets reçus et la quarantaine (copie relue)."""
    from mairie_cli.services.national.backup import back_up_national

    with open_national(ctx, dossier) as national_:
        result = back_up_national(national_, vers)
    show_backup(result.to_dict(), json)


@national.command("restaurer")
def national_restaurer(
    ctx: typer.Context, sauvegarde: BackupFolder, remplacer: Replace = False, dossier: Folder = None
) -> None:
    """Restaurer la sauvegarde de la fédération (après une panne de l'ordinateur)."""
    from mairie_cli.services.national.backup import restore_national

    result = restore_national(sauvegarde, dossier or state(ctx).folder, replace=remplacer)
    show_restored(result.to_dict())


def show_backup(data: dict[str, object], json: bool) -> None:
    """What a backup wrote (shared with the association's command)."""
    if json:
        output.print_json(data)
        return
    output.success(f"Sauvegarde écrite et relue sans erreur : {data['folder']}")
    output.info(
        f"{data['files']} fichier(s), {_mebibytes(data['size'])}. Gardez la clé USB à part de l'ordinateur."
    )


def show_restored(data: dict[str, object]) -> None:
    """What a restoration did (shared with the association's command)."""
    output.success(f"Sauvegarde restaurée et vérifiée dans « {data['folder']} ».")
    if data["set_aside"]:
        output.info(f"Les fichiers qu'elle remplace ont été mis de côté dans « {data['set_aside']} ».")


def _mebibytes(size: object) -> str:
    value = float(size) / 1024**2 if isinstance(size, (int, float)) else 0.0
    return f"{value:.1f} Mio".replace(".", ",")
