"""Commands about the workspace itself: ``init`` and ``etat``."""

from typing import Annotated

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register, state
from mairie_cli.cli.options import CommuneName, Folder, Json

commands = Commands()


@commands.command("init")
def init(
    ctx: typer.Context,
    commune: Annotated[
        str,
        typer.Option("--commune", metavar="CODE_INSEE", help="Code INSEE de la commune (5 caractères)."),
    ],
    nom: CommuneName = None,
    dossier: Folder = None,
) -> None:
    """Créer l'espace de travail de la commune (sans rien effacer s'il existe déjà).

    Le code INSEE est vérifié dans le Code officiel géographique (communes fusionnées depuis 2019
    comprises) et le nom officiel de la commune en est repris. Un code ou un nom faux se corrige
    avant le premier envoi avec « mairie config commune ».
    """
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
        if result.note:
            output.info(f"Ce code est celui de {result.note}.")
        output.info(f"Dossier : {where}")
        if not register.cahiers():
            output.info(
                'Étape suivante : ouvrez le cahier, par exemple mairie cahier ouvrir "Cahier de doléances"'
            )


@commands.command("etat")
def etat(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Résumer le registre : contributions par cahier, par nature et par source."""
    from mairie_cli.models import Nature, Source
    from mairie_cli.services.commune.status import status

    with open_register(ctx, dossier) as register:
        current = status(register)
    if json:
        output.print_json(current.to_dict())
        return
    from rich.table import Table

    commune = current.commune
    out = output.console()
    title = f"Commune {commune.insee}" + (f" — {commune.name}" if commune.name else "")
    out.print(f"[bold]{output.escape(title)}[/bold]")
    out.print(f"{current.total} contribution(s), {current.deleted} supprimée(s)")
    table = Table("Cahier", "Titre", "Ouvert le", "Fermé le", "Contributions")
    for cahier in current.cahiers:
        table.add_row(
            str(cahier.id), output.escape(cahier.title), output.date_fr(cahier.opened_on),
            output.date_fr(cahier.closed_on), str(cahier.count),
        )  # fmt: skip
    out.print(table)
    natures = Table("Nature", "Contributions")
    for key, count in current.natures.items():
        natures.add_row(Nature(key).label, str(count))
    sources = Table("Source", "Contributions")
    labels = {Source.TYPED: "saisie au clavier", Source.IMPORT: "tableur", Source.OCR: "OCR"}
    for key, count in current.sources.items():
        sources.add_row(labels[Source(key)], str(count))
    out.print(natures)
    out.print(sources)
    pages = current.page_counts
    if pages.total:
        out.print(
            f"Pages scannées : {pages.total} ({pages.typed} dactylographiée(s), "
            f"{pages.handwritten} manuscrite(s) dont {pages.handwritten_read} lue(s) automatiquement "
            f"à corriger et {pages.handwritten - pages.handwritten_read} à taper, "
            f"{pages.proofread} relue(s), {pages.blank} blanche(s), {pages.to_read} à lire)"
        )
    if current.drafts:
        out.print(f"{current.drafts} brouillon(s) de l'OCR à relire : « mairie relire ».")
    if current.last_export:
        last = current.last_export
        out.print(f"Dernier paquet exporté : n° {last['sequence']} du {output.date_fr(last['created_at'])}")
    else:
        out.print("Aucun paquet exporté pour l'instant : « mairie exporter ».")
    if current.last_change:
        out.print(f"Dernière modification : {output.date_fr(current.last_change)}")
