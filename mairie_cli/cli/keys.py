"""``mairie cle`` and ``mairie config``: the commune's key, the association's keys."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CommuneName, Folder, Json

commands = Commands()
config = commands.group(
    "config", "Réglages de la commune : son code INSEE et son nom, la clé de chiffrement de l'association."
)


@commands.command("cle")
def cle(
    ctx: typer.Context,
    vers: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--vers", metavar="DOSSIER", help="Où écrire commune-CODE.pub (par défaut : exports/)."),
    ] = None,
    nouvelle: Annotated[
        bool,
        typer.Option(
            "--nouvelle",
            help="Recréer une clé disparue, faute de sauvegarde (l'association devra la reconnaître).",
        ),
    ] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Montrer la clé publique de la commune et écrire le fichier à donner à l'association."""
    from mairie_cli.services.commune.keys import publish_public_key

    with open_register(ctx, dossier) as register:
        published = publish_public_key(register, vers, renew=nouvelle)
    if json:
        output.print_json(published.to_dict())
        return
    out = output.console()
    out.print(f"Clé publique de la commune {published.insee} : {published.public_key}", soft_wrap=True)
    out.print(f"Identifiant de la clé : {published.key_id}")
    out.print(f"Empreinte à lire au téléphone : [bold]{published.fingerprint}[/bold]")
    output.success(f"Fichier à transmettre à l'association : {published.file}")
    if nouvelle:
        output.info(
            "Si la clé a été recréée, appelez l'association : lisez-lui cette nouvelle empreinte pour "
            "qu'elle la reconnaisse (mairie asso confiance ajouter), sinon vos paquets iront en quarantaine."
        )


@config.command("destinataire")
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

    if fichier is not None:
        cle, secours = recipients_from_file(fichier)
    if not cle:
        raise KeyProblem(
            "Indiquez la clé de l'association (age1…) ou le fichier qui la contient avec --fichier."
        )
    with open_register(ctx, dossier) as register:
        main, backup = set_recipients(register, cle, secours)
    output.success(f"Les paquets seront chiffrés pour l'association ({main[:16]}…{main[-6:]}).")
    if backup:
        output.info(f"Clé de secours enregistrée ({backup[:16]}…{backup[-6:]}).")


@config.command("commune")
def commune(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE_INSEE", help="Le bon code INSEE de la commune.")],
    nom: CommuneName = None,
    dossier: Folder = None,
) -> None:
    """Corriger le code INSEE ou le nom de la commune, tant qu'aucun paquet n'est parti.

    Le code est vérifié dans le Code officiel géographique de l'INSEE et le nom officiel repris.
    """
    from mairie_cli.services.commune.identity import change_commune

    with open_register(ctx, dossier) as register:
        change = change_commune(register, code, nom)
    after, before = change.after, change.before
    if change.note:
        output.info(f"Ce code est celui de {change.note}.")
    if not change.changed:
        output.info(f"Rien à changer : la commune est déjà {after.insee} ({after.name}).")
        return
    output.success(
        f"Commune corrigée : {before.insee} ({before.name or 'sans nom'}) → {after.insee} ({after.name})."
    )


@config.command("voir")
def voir(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Afficher les réglages de la commune."""
    from mairie_cli.services.commune.keys import settings

    with open_register(ctx, dossier) as register:
        data = settings(register)
    if json:
        output.print_json(data)
        return
    output.console().print(f"Commune : {data['commune']}")
    output.console().print(f"Clé de l'association : {data['destinataire'] or '(non configurée)'}")
    output.console().print(f"Clé de secours : {data['destinataire_secours'] or '(aucune)'}")
