"""``mairie cle`` and ``mairie config``: the commune's key, the association's keys."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import command, new_app, open_register
from mairie_cli.cli.options import Folder, Json

config_app = new_app("Réglages de la commune : la clé de chiffrement de l'association.")


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the application."""
    command(app, "cle")(cle)
    app.add_typer(config_app, name="config")


def cle(
    ctx: typer.Context,
    vers: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--vers", metavar="DOSSIER", help="Où écrire commune-CODE.pub (par défaut : exports/)."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Montrer la clé publique de la commune et écrire le fichier à donner à l'association."""
    from mairie_cli.services.commune.keys import CommuneKeys

    with open_register(ctx, dossier) as register:
        keys = CommuneKeys.of(register.workspace)
        keys.ensure(register.commune.insee)
        public = keys.public_key()
        insee = register.commune.insee
        folder = vers or register.workspace.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"commune-{insee}.pub"
    target.write_text(public.file_text(f"clé publique de la commune {insee}"), encoding="utf-8")
    if json:
        output.print_json(
            {
                "insee": insee,
                "public_key": public.base64,
                "key_id": public.key_id,
                "fingerprint": public.fingerprint,
                "file": str(target),
            }  # fmt: skip
        )
        return
    out = output.console()
    out.print(f"Clé publique de la commune {insee} : {public.base64}", soft_wrap=True)
    out.print(f"Identifiant de la clé : {public.key_id}")
    out.print(f"Empreinte à lire au téléphone : [bold]{public.fingerprint}[/bold]")
    output.success(f"Fichier à transmettre à l'association : {target}")


@command(config_app, "destinataire")
def destinataire(
    ctx: typer.Context,
    cle: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="AGE1…", help="Clé de chiffrement de l'association (une ligne age1…)."),
    ] = None,
    secours: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--secours", metavar="AGE1…", help="Clé de secours de l'association (facultative)."),
    ] = None,
    fichier: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--fichier",
            metavar="FICHIER",
            help="Lire la ou les clés dans un fichier fourni par l'association.",
        ),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Enregistrer la clé de chiffrement de l'association (à faire une fois)."""
    from mairie_cli.errors import KeyProblem
    from mairie_cli.services.commune.keys import recipients_from_file, set_recipients
    from mairie_cli.storage.commune.exports import ExportStore

    if fichier is not None:
        cle, secours = recipients_from_file(fichier)
    if not cle:
        raise KeyProblem(
            "Indiquez la clé de l'association (age1…) ou le fichier qui la contient avec --fichier."
        )
    with open_register(ctx, dossier) as register:
        main, backup = set_recipients(ExportStore(register.db), cle, secours)
    output.success(f"Les paquets seront chiffrés pour l'association ({main[:16]}…{main[-6:]}).")
    if backup:
        output.info(f"Clé de secours enregistrée ({backup[:16]}…{backup[-6:]}).")


@command(config_app, "voir")
def voir(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Afficher les réglages de la commune."""
    from mairie_cli.services.commune.keys import BACKUP_RECIPIENT, RECIPIENT
    from mairie_cli.storage.commune.exports import ExportStore

    with open_register(ctx, dossier) as register:
        store = ExportStore(register.db)
        data = {
            "destinataire": store.get_config(RECIPIENT),
            "destinataire_secours": store.get_config(BACKUP_RECIPIENT),
        }
    if json:
        output.print_json(data)
        return
    output.console().print(f"Clé de l'association : {data['destinataire'] or '(non configurée)'}")
    output.console().print(f"Clé de secours : {data['destinataire_secours'] or '(aucune)'}")
