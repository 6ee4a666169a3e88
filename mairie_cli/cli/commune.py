"""Commands about the workspace itself: ``init`` and ``etat``."""

from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import command, open_register, state
from mairie_cli.cli.options import Folder, Json


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the application."""
    command(app, "init")(init)
    command(app, "etat")(etat)


def init(
    ctx: typer.Context,
    commune: Annotated[
        str,
        typer.Option("--commune", metavar="CODE_INSEE", help="Code INSEE de la commune (5 caractères)."),
    ],
    nom: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--nom", metavar="NOM", help="Nom de la commune."),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Créer l'espace de travail de la commune (sans rien effacer s'il existe déjà)."""
    from mairie_cli.services.commune.register import Register

    register, result = Register.init(dossier or state(ctx).folder, commune, nom)
    with register:
        name = f" ({result.commune.name})" if result.commune.name else ""
        where = result.workspace.root
        if result.created:
            output.success(f"Espace de travail créé pour la commune {result.commune.insee}{name}.")
        else:
            output.info(
                f"L'espace de travail de la commune {result.commune.insee}{name} existe déjà : "
                "rien n'a été effacé."
            )
        output.info(f"Dossier : {where}")
        if not register.cahiers():
            output.info(
                'Étape suivante : ouvrez le cahier, par exemple mairie cahier ouvrir "Cahier de doléances"'
            )


def etat(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Résumer le registre : contributions par cahier, par nature et par source."""
    from mairie_cli.models import Nature, Source

    with open_register(ctx, dossier) as register:
        data = register.state()
    if json:
        output.print_json(data)
        return
    from rich.table import Table

    commune = data["commune"]
    out = output.console()
    title = f"Commune {commune['insee']}" + (f" — {commune['name']}" if commune["name"] else "")
    out.print(f"[bold]{output.escape(title)}[/bold]")
    out.print(f"{data['total']} contribution(s), {data['deleted']} supprimée(s)")
    table = Table("Cahier", "Titre", "Ouvert le", "Fermé le", "Contributions")
    for cahier in data["cahiers"]:
        table.add_row(
            str(cahier["id"]), output.escape(cahier["title"]), output.date_fr(cahier["opened_on"]),
            output.date_fr(cahier["closed_on"]), str(cahier["count"]),
        )  # fmt: skip
    out.print(table)
    natures = Table("Nature", "Contributions")
    for key, count in data["natures"].items():
        natures.add_row(Nature(key).label, str(count))
    sources = Table("Source", "Contributions")
    labels = {Source.TYPED: "saisie au clavier", Source.IMPORT: "tableur", Source.OCR: "OCR"}
    for key, count in data["sources"].items():
        sources.add_row(labels[Source(key)], str(count))
    out.print(natures)
    out.print(sources)
    pages = data["pages"]
    if pages:
        out.print(
            f"Pages scannées : {sum(pages.values())} ({pages.get('brouillon', 0)} dactylographiée(s), "
            f"{pages.get('manuscrit', 0)} manuscrite(s) à taper, "
            f"{pages.get('relue', 0)} tapée(s), {pages.get('vide', 0)} blanche(s), "
            f"{pages.get('echec', 0) + pages.get('a_lire', 0)} à lire)"
        )
    if data["drafts"]:
        out.print(f"{data['drafts']} brouillon(s) de l'OCR à relire : « mairie relire ».")
    if data["last_export"]:
        last = data["last_export"]
        out.print(f"Dernier paquet exporté : n° {last['sequence']} du {output.date_fr(last['created_at'])}")
    else:
        out.print("Aucun paquet exporté pour l'instant : « mairie exporter ».")
    if data["last_change"]:
        out.print(f"Dernière modification : {output.date_fr(data['last_change'])}")
